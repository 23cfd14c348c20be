package dev.bypass.observability.metrics;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.observability.ObservabilityHelpers;
import dev.bypass.observability.ProbeTypes;
import dev.bypass.observability.agent.AgentSession;
import dev.bypass.programs.BundledPrograms;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.ProgramRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every metric the shipped Grafana dashboard queries exists in a real scrape of the objects it is made for. */
class GrafanaDashboardTest {
    @Test void theDashboardQueriesMetricsThatExist() throws Exception {
        String dashboard = Files.readString(Path.of("grafana/bypass-dashboard.json"));
        Set<String> wanted = new TreeSet<>();
        Matcher m = Pattern.compile("\\bbypass_[a-z0-9_]+").matcher(dashboard);
        while (m.find()) wanted.add(m.group());
        assertTrue(wanted.size() >= 8, wanted.toString());
        try (ProgramRuntime rt = ProgramRuntime.builder().types(ProbeTypes.all()).helpers(ObservabilityHelpers.registry()).build();
             ScrapeEndpoint endpoint = new ScrapeEndpoint("127.0.0.1", 0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            LoadedObject telemetry = rt.load("telemetry", AgentSession.bundled("query_telemetry"));
            LoadedObject acl = rt.load("acl", BundledPrograms.object("acl_filter"));
            LoadedObject counter = rt.load("counter", BundledPrograms.object("counter"));
            // an entry per keyed map, as running programs would leave
            telemetry.map("queries").update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(42).array(),
                    new byte[telemetry.map("queries").spec().valueSize()], 0);
            counter.program("count_event").run(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(7).array());
            acl.program("check_open").run(new byte[64]);
            for (LoadedObject o : new LoadedObject[] {telemetry, acl, counter}) endpoint.bind(new MapMeterBinder(o));
            PrometheusText scrape = PrometheusText.parse(endpoint.scrape());
            Set<String> present = new TreeSet<>();
            for (PrometheusText.Sample s : scrape.samples()) present.add(s.name());
            for (String name : wanted) assertTrue(present.contains(name), name + " is not in the scrape; present: " + present);
        }
    }
}
