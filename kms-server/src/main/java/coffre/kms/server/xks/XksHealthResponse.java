package coffre.kms.server.xks;

import java.util.List;

/**
 * The GetHealthStatus answer (spec, "GetHealthStatus"): the proxy fleet and one entry per key
 * manager (HSM). Every member is required; the constructor enforces the spec's bounds so a wrong
 * answer cannot be sent.
 *
 * @param xksProxyFleetSize the number of live proxy nodes, ≥ 1
 * @param xksProxyVendor    the proxy's vendor (present even if it equals {@code ekmVendor})
 * @param xksProxyModel     the proxy's product name and version
 * @param ekmVendor         the key manager's vendor
 * @param ekmFleetDetails   1 to {@value #MAX_EKM_FLEET_DETAILS} key managers
 */
public record XksHealthResponse(int xksProxyFleetSize, String xksProxyVendor, String xksProxyModel, String ekmVendor,
                                List<EkmFleetDetail> ekmFleetDetails) {
    public static final int MAX_EKM_FLEET_DETAILS = 10;

    /** The spec's {@code healthStatus} values. */
    public enum HealthStatus {
        /** Healthy. */
        ACTIVE,
        /** Unhealthy but can still serve traffic. */
        DEGRADED,
        /** Unable to serve traffic. */
        UNAVAILABLE
    }

    /**
     * One key manager.
     *
     * @param id           unique within the key-manager cluster
     * @param model        product, hardware version and what else helps troubleshooting
     * @param healthStatus its health
     */
    public record EkmFleetDetail(String id, String model, HealthStatus healthStatus) {
        public EkmFleetDetail {
            requireText(id, "id");
            requireText(model, "model");
            if (healthStatus == null) {
                throw new IllegalArgumentException("an EKM fleet entry has a health status");
            }
        }
    }

    public XksHealthResponse {
        if (xksProxyFleetSize < 1) {
            throw new IllegalArgumentException("xksProxyFleetSize is at least 1");
        }
        requireText(xksProxyVendor, "xksProxyVendor");
        requireText(xksProxyModel, "xksProxyModel");
        requireText(ekmVendor, "ekmVendor");
        if (ekmFleetDetails == null || ekmFleetDetails.isEmpty() || ekmFleetDetails.size() > MAX_EKM_FLEET_DETAILS) {
            throw new IllegalArgumentException("ekmFleetDetails has 1 to " + MAX_EKM_FLEET_DETAILS + " entries");
        }
        ekmFleetDetails = List.copyOf(ekmFleetDetails);
    }

    /** The compact JSON body. */
    public byte[] toJson() {
        return XksJson.write(g -> {
            g.writeStartObject();
            g.writeNumberField("xksProxyFleetSize", xksProxyFleetSize);
            g.writeStringField("xksProxyVendor", xksProxyVendor);
            g.writeStringField("xksProxyModel", xksProxyModel);
            g.writeStringField("ekmVendor", ekmVendor);
            g.writeArrayFieldStart("ekmFleetDetails");
            for (EkmFleetDetail ekm : ekmFleetDetails) {
                g.writeStartObject();
                g.writeStringField("id", ekm.id());
                g.writeStringField("model", ekm.model());
                g.writeStringField("healthStatus", ekm.healthStatus().name());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void requireText(String value, String member) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(member + " is required");
        }
    }
}
