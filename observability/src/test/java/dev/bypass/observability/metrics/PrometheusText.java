package dev.bypass.observability.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A parser for the Prometheus text exposition format, strict enough to reject malformed output. */
record PrometheusText(List<Sample> samples, Map<String, String> types) {
    record Sample(String name, Map<String, String> labels, double value) {}

    static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isEmpty()) continue;
            if (line.startsWith("# TYPE ")) {
                String[] w = line.substring(7).split(" ");
                if (w.length != 2) throw new IllegalArgumentException("line " + lineNo + ": bad TYPE: " + line);
                types.put(w[0], w[1]);
                continue;
            }
            if (line.startsWith("#")) continue;
            int i = 0;
            while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_' || line.charAt(i) == ':')) i++;
            if (i == 0) throw new IllegalArgumentException("line " + lineNo + ": no metric name: " + line);
            String name = line.substring(0, i);
            Map<String, String> labels = new LinkedHashMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String key = line.substring(i, eq);
                    if (line.charAt(eq + 1) != '"') throw new IllegalArgumentException("line " + lineNo + ": unquoted label value");
                    StringBuilder v = new StringBuilder();
                    int j = eq + 2;
                    for (; line.charAt(j) != '"'; j++) {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char n = line.charAt(++j);
                            v.append(n == 'n' ? '\n' : n);
                        } else v.append(c);
                    }
                    labels.put(key, v.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') i++;
                }
                i++;
            }
            if (line.charAt(i) != ' ') throw new IllegalArgumentException("line " + lineNo + ": expected a space before the value");
            String[] rest = line.substring(i + 1).split(" ");
            samples.add(new Sample(name, labels, switch (rest[0]) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(rest[0]);
            }));
        }
        return new PrometheusText(samples, types);
    }

    double value(String name, Map<String, String> labels) {
        List<Sample> m = samples.stream().filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())).toList();
        if (m.size() != 1) throw new AssertionError(m.size() + " samples named " + name + " with " + labels + " in\n" + this);
        return m.get(0).value();
    }
}
