package coffre.kms.server.xks;

/**
 * A request to one of the four API paths with a method other than POST. The spec requires 405 for
 * GET there and gives the answer no {@code errorName} (405 is outside its error table), so this is
 * not an {@link XksException}: answer status {@value #HTTP_STATUS}, header {@code Allow: POST}
 * (RFC 9110 requires it on 405) and an empty body. Load balancers probe with GET: give them a
 * path of their own, outside the API.
 */
public final class XksMethodNotAllowedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public static final int HTTP_STATUS = 405;
    /** The value of the {@code Allow} header to send. */
    public static final String ALLOW = "POST";

    public XksMethodNotAllowedException() {
        super("the XKS API accepts only POST", null, false, false);
    }
}
