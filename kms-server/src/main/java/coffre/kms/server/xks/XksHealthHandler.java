package coffre.kms.server.xks;

/**
 * {@code POST {prefix}/kms/xks/v1/health} (GetHealthStatus): the request metadata must be there
 * (the AWS test client expects ValidationException for {@code {}}), a disabled key store answers
 * InvalidStateException, and the answer comes from memory ({@link XksHealthCheck}). Never subject
 * to secondary authorization (the spec's MUST).
 */
final class XksHealthHandler implements XksHandler {
    private final XksHealthCheck health;

    XksHealthHandler(XksHealthCheck health) {
        this.health = health;
    }

    @Override
    public XksReply handle(XksCall call) {
        call.audit().metadata(XksRequests.parseHealth(call.body()));
        call.requireStoreEnabled();
        return XksReply.of(health.answer().toJson());
    }
}
