package coffre.kms.cli.grants;

import coffre.kms.cli.output.OperationDescriber;
import coffre.kms.cli.output.TextTable;
import coffre.kms.cli.output.Times;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Grant;
import coffre.kms.v1.GrantSpec;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Human rendering of grants: one row each. */
final class GrantRendering {

    private GrantRendering() {
    }

    /** Columns ID, KEY, PRINCIPAL, OPERATIONS, CONTEXT, NOT BEFORE, NOT AFTER, STATUS. */
    static String table(List<Grant> grants) {
        TextTable table = new TextTable("ID", "KEY", "PRINCIPAL", "OPERATIONS", "CONTEXT", "NOT BEFORE", "NOT AFTER", "STATUS");
        for (Grant grant : grants) {
            GrantSpec spec = grant.getSpec();
            table.row(grant.getId(), spec.getKeyId(), spec.getPrincipal(), operations(spec.getOperationsList()),
                    context(spec), Times.format(spec.getNotBefore()), Times.format(spec.getNotAfter()),
                    grant.getRevoked() ? "revoked " + Times.format(grant.getRevokeTime()) : "active");
        }
        return table.render();
    }

    private static String operations(List<DataOperation> operations) {
        try {
            return OperationDescriber.operations(operations);
        } catch (IllegalArgumentException e) {
            return operations.stream().map(o -> o == DataOperation.UNRECOGNIZED ? "?" : o.name())
                    .collect(Collectors.joining(", "));
        }
    }

    private static String context(GrantSpec spec) {
        if (spec.getContextConstraintsMap().isEmpty()) {
            return "-";
        }
        return new TreeMap<>(spec.getContextConstraintsMap()).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
