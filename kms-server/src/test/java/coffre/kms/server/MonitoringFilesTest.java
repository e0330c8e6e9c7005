package coffre.kms.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What promtool cannot check in {@code deploy/monitoring/} (deploy/monitoring/check.sh runs
 * promtool): every Coffre or HikariCP metric that the alert rules and the Grafana dashboard query
 * is one the nodes export ({@code metric-names.txt}, from issue 23's telemetry design), so a
 * renamed metric cannot leave an alert silently matching nothing; every alert has a severity, a
 * summary, a description and a runbook that exists in docs/monitoring.md, and unit tests in
 * {@code coffre-alerts.test.yml}; the dashboard is JSON whose panels take the templated data source.
 */
class MonitoringFilesTest {
    private static final Path MONITORING = Path.of("..", "deploy", "monitoring").toAbsolutePath().normalize();
    private static final Path DOCS = Path.of("..", "docs").toAbsolutePath().normalize();
    private static final Pattern METRIC = Pattern.compile("\\b((?:coffre|hikaricp)_[a-z0-9_]+)");
    /** Series a histogram or a Micrometer timer adds to its base name. */
    private static final Pattern SUFFIX = Pattern.compile("_(bucket|sum|count|max)$");
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

    private static Set<String> exported() throws IOException {
        return Files.readAllLines(MONITORING.resolve("metric-names.txt")).stream().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The metric names {@code expr} queries that the nodes do not export. */
    private static List<String> unknownMetrics(String expr, Set<String> exported) {
        List<String> unknown = new ArrayList<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            String name = m.group(1);
            String base = SUFFIX.matcher(name).replaceFirst("");
            if (!exported.contains(name) && !exported.contains(base)) {
                unknown.add(name);
            }
        }
        return unknown;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> alertRules() throws IOException {
        Map<String, Object> file = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(MONITORING.resolve("coffre-alerts.yml")));
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            rules.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        return rules;
    }

    @Test
    void theAlertsQueryOnlyExportedMetrics() throws IOException {
        Set<String> exported = exported();
        List<Map<String, Object>> rules = alertRules();
        assertTrue(rules.size() >= 15, "the alerts issue 23 asks for: " + rules.size());
        for (Map<String, Object> rule : rules) {
            assertEquals(List.of(), unknownMetrics(rule.get("expr").toString(), exported),
                    rule.get("alert") + " queries a metric no node exports (metric-names.txt)");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertSaysHowBadWhatAndWhereItsRunbookIsAndIsUnitTested() throws IOException {
        String monitoringDoc = Files.readString(DOCS.resolve("monitoring.md"));
        String tests = Files.readString(MONITORING.resolve("coffre-alerts.test.yml"));
        for (Map<String, Object> rule : alertRules()) {
            String alert = (String) rule.get("alert");
            Map<String, Object> labels = (Map<String, Object>) rule.get("labels");
            Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
            assertTrue(SEVERITIES.contains(labels.get("severity")), alert + ": severity " + labels.get("severity"));
            for (String annotation : List.of("summary", "description", "runbook_url")) {
                assertFalse(annotations.getOrDefault(annotation, "").toString().isBlank(), alert + ": no " + annotation);
            }
            String runbook = annotations.get("runbook_url").toString();
            assertTrue(runbook.startsWith("docs/monitoring.md#"), alert + ": runbook " + runbook);
            String anchor = runbook.substring(runbook.indexOf('#') + 1);
            assertTrue(monitoringDoc.lines().anyMatch(line -> line.startsWith("#")
                            && line.replaceAll("[^A-Za-z0-9]", "").toLowerCase(Locale.ROOT).equals(anchor)),
                    alert + ": docs/monitoring.md has no heading for #" + anchor);
            // At least one case where it fires and one where it does not (exp_alerts: []).
            int cases = tests.split("alertname: " + alert + "\\R", -1).length - 1;
            assertTrue(cases >= 2, alert + " has " + cases + " unit test case(s) in coffre-alerts.test.yml");
        }
    }

    @Test
    void theDashboardIsJsonOnTheTemplatedDataSourceAndQueriesExportedMetrics() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(MONITORING.resolve("grafana/coffre-dashboard.json").toFile());
        Set<String> variables = new TreeSet<>();
        dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
        assertTrue(variables.containsAll(Set.of("datasource", "job", "instance")), "template variables: " + variables);
        Set<String> exported = exported();
        Set<String> queried = new TreeSet<>();
        int targets = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            String title = panel.path("title").asText();
            assertEquals("${datasource}", panel.path("datasource").path("uid").asText(), title);
            assertTrue(panel.path("targets").size() > 0, title + " has no query");
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                assertEquals(List.of(), unknownMetrics(expr, exported), title + " queries a metric no node exports");
                assertTrue(expr.contains("job=~\"$job\"") && expr.contains("instance=~\"$instance\""),
                        title + ": the query ignores the job/instance selection: " + expr);
                Matcher m = METRIC.matcher(expr);
                while (m.find()) {
                    String name = m.group(1);
                    queried.add(exported.contains(name) ? name : SUFFIX.matcher(name).replaceFirst(""));
                }
                targets++;
            }
        }
        assertTrue(targets >= 20, "queries: " + targets);
        // Everything a node exports is on the dashboard somewhere.
        Set<String> missing = new TreeSet<>(exported);
        missing.removeAll(queried);
        assertEquals(Set.of(), missing, "exported metrics the dashboard shows nowhere");
    }
}
