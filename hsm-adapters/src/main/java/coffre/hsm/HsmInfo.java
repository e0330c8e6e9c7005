package coffre.hsm;

/** Describes the HSM in use; holds no secret. */
public record HsmInfo(String profile, String library, String tokenLabel, String manufacturer,
                      String model, boolean sessionKeyCopies, int sessions) {
}
