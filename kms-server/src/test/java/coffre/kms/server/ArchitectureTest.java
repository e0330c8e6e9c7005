package coffre.kms.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import coffre.kms.v1.CeremonyDocument;
import coffre.kms.v1.Decision;
import coffre.kms.v1.Operation;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.util.HashSet;
import java.util.Set;

/**
 * The rule that keeps every edge (gRPC today; HTTP front doors for AWS XKS and Microsoft DKE
 * tomorrow) a thin adapter over one domain: the core packages speak domain types only, so a new
 * edge maps its wire format to domain calls and never has to build another edge's messages.
 * docs/architecture.md explains the layout these rules hold in place.
 */
@AnalyzeClasses(packages = "coffre.kms.server", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** The core: values, rules and services, with ports for what lies outside. */
    private static final String[] CORE = {
        "coffre.kms.server.domain..", "coffre.kms.server.keys..", "coffre.kms.server.crypto..",
        "coffre.kms.server.access..", "coffre.kms.server.approval..", "coffre.kms.server.audit..",
        "coffre.kms.server.keystores.."};

    /** The core but the approval engine, which alone reads the documents officers sign. */
    private static final String[] CORE_BUT_APPROVAL = {
        "coffre.kms.server.domain..", "coffre.kms.server.keys..", "coffre.kms.server.crypto..",
        "coffre.kms.server.access..", "coffre.kms.server.audit..", "coffre.kms.server.keystores.."};

    @ArchTest
    static final ArchRule coreUsesNoTransportStoreOrHsmAdapter = noClasses()
            .that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.grpc..", "io.vertx..", "io.netty..", "java.sql..", "javax.sql..", "coffre.hsm.pkcs11..",
                    "coffre.kms.server.grpc..", "coffre.kms.server.store..", "coffre.kms.server.config..")
            .because("the core is reached through ports; transports and stores are adapters around it");

    @ArchTest
    static final ArchRule coreUsesNoTelemetryLibrary = noClasses()
            .that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.micrometer..", "io.opentelemetry..", "io.prometheus..", "coffre.kms.server.telemetry..")
            .because("the core exposes plain accessors and listeners; telemetry/ binds meters and spans to them");

    @ArchTest
    static final ArchRule coreUsesNoGeneratedMessages = noClasses()
            .that().resideInAnyPackage(CORE_BUT_APPROVAL)
            .should().dependOnClassesThat().resideInAnyPackage("coffre.kms.v1", "com.google.protobuf..")
            .because("edges map their wire messages to domain types");

    @ArchTest
    static final ArchRule approvalReadsOnlySignedDocuments = noClasses()
            .that().resideInAPackage("coffre.kms.server.approval..")
            .should().dependOnClassesThat(generatedButNotSigned())
            .because("the approval engine reads the protobuf documents officers sign (their canonical bytes"
                    + " are what is signed: a serialization format), and nothing else of the RPC layer");

    @ArchTest
    static final ArchRule packagesHaveNoCycles = slices()
            .matching("coffre.kms.server.(*)..")
            .should().beFreeOfCycles();

    /**
     * Generated classes of {@code coffre.kms.v1} that are not part of a signed document. The signed
     * documents are what {@code coffre.kms.v1.signing.Statements} signs: an {@link Operation} (act-now
     * statements and approval requests), a {@link CeremonyDocument}, a vote's {@link Decision}; every
     * message and enum reachable from their fields belongs to them.
     */
    private static DescribedPredicate<JavaClass> generatedButNotSigned() {
        Set<String> signed = new HashSet<>();
        signed.add(Decision.getDescriptor().getFullName());
        collect(Operation.getDescriptor(), signed);
        collect(CeremonyDocument.getDescriptor(), signed);
        return new DescribedPredicate<>("generated RPC messages of coffre.kms.v1 outside the signed documents") {
            @Override
            public boolean test(JavaClass target) {
                if (!target.getPackageName().equals("coffre.kms.v1")) {
                    return false;
                }
                String protoName = target.getName().replace('$', '.')
                        .replaceAll("\\.(Builder|[A-Za-z]*OrBuilder|[A-Za-z]*Case)$", "");
                return !signed.contains(protoName) && !signed.contains(protoName.replaceAll("OrBuilder$", ""));
            }
        };
    }

    private static void collect(Descriptor message, Set<String> names) {
        if (!names.add(message.getFullName())) {
            return;
        }
        for (FieldDescriptor field : message.getFields()) {
            switch (field.getJavaType()) {
                case MESSAGE -> collect(field.getMessageType(), names);
                case ENUM -> names.add(field.getEnumType().getFullName());
                default -> { }
            }
        }
    }
}
