package coffre.kms.server.testing;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.v1.CreateXksKeyStoreResponse;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.RotateXksCredentialsResponse;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * Records in the {@link SecretLedger} every plaintext that a test sends to be wrapped and every
 * plaintext, data key or XKS credential secret a node sends back, so the leak scan at the end of
 * the suite can look for them in the logs.
 */
final class SecretRecorder implements ClientInterceptor {

    @Override
    public <Req, Resp> ClientCall<Req, Resp> interceptCall(MethodDescriptor<Req, Resp> method, CallOptions options,
                                                           Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void sendMessage(Req message) {
                if (message instanceof WrapRequest wrap) {
                    SecretLedger.record(wrap.getPlaintext().toByteArray());
                }
                super.sendMessage(message);
            }

            @Override
            public void start(Listener<Resp> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onMessage(Resp message) {
                        if (message instanceof UnwrapResponse unwrapped) {
                            SecretLedger.record(unwrapped.getPlaintext().toByteArray());
                        } else if (message instanceof GenerateDataKeyResponse dataKey) {
                            SecretLedger.record(dataKey.getPlaintext().toByteArray());
                        } else if (message instanceof CreateXksKeyStoreResponse created) {
                            SecretLedger.record(created.getCredential().getRawSecretAccessKey());
                        } else if (message instanceof RotateXksCredentialsResponse rotated) {
                            SecretLedger.record(rotated.getCredential().getRawSecretAccessKey());
                        }
                        super.onMessage(message);
                    }
                }, headers);
            }
        };
    }
}
