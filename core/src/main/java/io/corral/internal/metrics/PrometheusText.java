package io.corral.internal.metrics;

import io.corral.WorkerStats;
import io.corral.metrics.Meter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes meters in the Prometheus text exposition format 0.0.4: one {@code # HELP} and {@code #
 * TYPE} per family, counters with {@code _total}, durations in {@code _seconds}, histograms as
 * cumulative {@code _bucket} series with {@code le}, then {@code _sum} and {@code _count}. Dotted
 * names become underscored ({@code http.request.method} is {@code http_request_method}). Stateless.
 */
final class PrometheusText {

    private PrometheusText() {}

    static String write(List<Meter> meters, List<WorkerStats> workers) {
        Map<String, StringBuilder> families = new LinkedHashMap<>();
        Map<String, String> headers = new LinkedHashMap<>();
        for (Meter m : meters) {
            String family = familyName(m);
            headers.computeIfAbsent(
                    family, f -> "# HELP " + f + " " + m.help() + "\n# TYPE " + f + " " + type(m) + "\n");
            StringBuilder sb = families.computeIfAbsent(family, f -> new StringBuilder());
            switch (m) {
                case Meter.Counter c -> sample(sb, family, m.labels(), null, Long.toString(c.count()));
                case Meter.Gauge g -> sample(sb, family, m.labels(), null, number(g.value()));
                case Meter.Histogram h -> {
                    double[] bounds = h.bounds();
                    long[] cumulative = h.cumulativeCounts();
                    for (int i = 0; i < bounds.length; i++) {
                        sample(sb, family + "_bucket", m.labels(), number(bounds[i]), Long.toString(cumulative[i]));
                    }
                    long count = cumulative[cumulative.length - 1];
                    sample(sb, family + "_bucket", m.labels(), "+Inf", Long.toString(count));
                    sample(sb, family + "_sum", m.labels(), null, number(h.sum()));
                    sample(sb, family + "_count", m.labels(), null, Long.toString(count));
                }
            }
        }
        StringBuilder out = new StringBuilder(4096);
        for (Map.Entry<String, StringBuilder> e : families.entrySet()) {
            out.append(headers.get(e.getKey())).append(e.getValue());
        }
        perWorker(out, workers);
        return out.toString();
    }

    private static void perWorker(StringBuilder out, List<WorkerStats> workers) {
        out.append("# HELP corral_worker_state 1 for each live worker, labelled with its state.\n")
                .append("# TYPE corral_worker_state gauge\n");
        for (WorkerStats w : workers) {
            out.append("corral_worker_state{worker=\"")
                    .append(w.id())
                    .append("\",state=\"")
                    .append(w.state().name().toLowerCase(Locale.ROOT))
                    .append("\"} 1\n");
        }
        out.append("# HELP corral_worker_connections_open Connections a live worker holds now.\n")
                .append("# TYPE corral_worker_connections_open gauge\n");
        for (WorkerStats w : workers) {
            out.append("corral_worker_connections_open{worker=\"")
                    .append(w.id())
                    .append("\"} ")
                    .append(w.openConnections())
                    .append('\n');
        }
        out.append("# HELP corral_worker_requests_total Requests a live worker has finished.\n")
                .append("# TYPE corral_worker_requests_total counter\n");
        for (WorkerStats w : workers) {
            out.append("corral_worker_requests_total{worker=\"")
                    .append(w.id())
                    .append("\"} ")
                    .append(w.requestsServed())
                    .append('\n');
        }
        out.append(
                        "# HELP corral_worker_abandoned_threads Handler threads a live worker gave up on after timeout that still run.\n")
                .append("# TYPE corral_worker_abandoned_threads gauge\n");
        for (WorkerStats w : workers) {
            out.append("corral_worker_abandoned_threads{worker=\"")
                    .append(w.id())
                    .append("\"} ")
                    .append(w.abandonedThreads())
                    .append('\n');
        }
    }

    /** The Prometheus family name: underscored, {@code _seconds} for durations, {@code _total} for counters. */
    static String familyName(Meter m) {
        String base = m.name().replace('.', '_');
        if (m.unit().equals("s")) {
            base += "_seconds";
        }
        if (m instanceof Meter.Counter) {
            base += "_total";
        }
        return base;
    }

    private static String type(Meter m) {
        return switch (m) {
            case Meter.Counter c -> "counter";
            case Meter.Gauge g -> "gauge";
            case Meter.Histogram h -> "histogram";
        };
    }

    private static void sample(StringBuilder sb, String name, List<Meter.Label> labels, String le, String value) {
        sb.append(name);
        if (!labels.isEmpty() || le != null) {
            sb.append('{');
            boolean first = true;
            for (Meter.Label l : labels) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(l.name().replace('.', '_')).append("=\"");
                escape(sb, l.value());
                sb.append('"');
            }
            if (le != null) {
                if (!first) {
                    sb.append(',');
                }
                sb.append("le=\"").append(le).append('"');
            }
            sb.append('}');
        }
        sb.append(' ').append(value).append('\n');
    }

    private static void escape(StringBuilder sb, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
