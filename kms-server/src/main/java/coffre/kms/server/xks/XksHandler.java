package coffre.kms.server.xks;

/**
 * One XKS operation, called on a worker once the request's path, key store and SigV4 signature
 * have been checked: parses the body, applies the operation's rules through the domain, and
 * returns the 200 answer or throws {@link XksException} (a domain failure is mapped by
 * {@link XksErrors}).
 */
@FunctionalInterface
interface XksHandler {
    XksReply handle(XksCall call);
}
