package io.corral.benchmarks.compare;

import java.util.List;
import java.util.Locale;

/**
 * Writes the comparison's results as a plain-text table (stdout), a Markdown table and CSV. Pure
 * functions of the results; {@link SvgChart} draws the chart.
 */
public final class Reports {

    private static final String[] HEADERS = {
        "server", "conc", "req/s", "eff", "p50 ms", "p99 ms", "p99.9 ms", "errors", "heap MiB", "threads", "cpu µs"
    };

    private Reports() {}

    /** Returns the results as an aligned plain-text table, one row per point. */
    public static String table(List<PointResult> results) {
        List<String[]> rows = results.stream().map(Reports::cells).toList();
        int[] widths = new int[HEADERS.length];
        for (int i = 0; i < HEADERS.length; i++) {
            widths[i] = HEADERS[i].length();
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        appendRow(sb, HEADERS, widths);
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            rule.append(i == 0 ? "" : "  ").append("-".repeat(widths[i]));
        }
        sb.append(rule).append('\n');
        for (String[] row : rows) {
            appendRow(sb, row, widths);
        }
        return sb.toString();
    }

    /** Returns the results as a Markdown table, with {@code preamble} (may be empty) before it. */
    public static String markdown(String preamble, List<PointResult> results) {
        StringBuilder sb = new StringBuilder(preamble);
        sb.append('|');
        for (String h : HEADERS) {
            sb.append(' ').append(h).append(" |");
        }
        sb.append("\n|");
        for (int i = 0; i < HEADERS.length; i++) {
            sb.append(i < 2 ? "---|" : "---:|");
        }
        sb.append('\n');
        for (PointResult r : results) {
            sb.append('|');
            for (String cell : cells(r)) {
                sb.append(' ').append(cell.replace("|", "\\|")).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Returns the results as CSV with a header line; numbers are plain (dot decimals, no grouping). */
    public static String csv(List<PointResult> results) {
        StringBuilder sb = new StringBuilder(
                "server,concurrency,latency_ms,requests_per_sec,little_limit_per_sec,efficiency,p50_ms,p99_ms,p999_ms,"
                        + "ok,errors,connect_errors,timeouts,status_errors,resets,heap_bytes,threads,cpu_us_per_request\n");
        for (PointResult r : results) {
            LoadResult l = r.load();
            sb.append(String.join(
                            ",",
                            r.server(),
                            Integer.toString(r.concurrency()),
                            Long.toString(r.latency().toMillis()),
                            fixed(l.requestsPerSecond(), 1),
                            fixed(r.littleLimit(), 1),
                            fixed(r.efficiency(), 4),
                            fixed(l.percentileMillis(50), 3),
                            fixed(l.percentileMillis(99), 3),
                            fixed(l.percentileMillis(99.9), 3),
                            Long.toString(l.ok()),
                            Long.toString(l.errors()),
                            Long.toString(l.connectErrors()),
                            Long.toString(l.timeouts()),
                            Long.toString(l.statusErrors()),
                            Long.toString(l.resets()),
                            Long.toString(r.heapBytes()),
                            Integer.toString(r.threads()),
                            fixed(r.cpuMicrosPerRequest(), 1)))
                    .append('\n');
        }
        return sb.toString();
    }

    /** The display cells of one result, in {@link #HEADERS} order. */
    static String[] cells(PointResult r) {
        LoadResult l = r.load();
        return new String[] {
            r.server(),
            Integer.toString(r.concurrency()),
            String.format(Locale.ROOT, "%,.0f", l.requestsPerSecond()),
            String.format(Locale.ROOT, "%.0f%%", 100 * r.efficiency()),
            millis(l.percentileMillis(50)),
            millis(l.percentileMillis(99)),
            millis(l.percentileMillis(99.9)),
            l.errorSummary(),
            r.heapBytes() < 0 ? "-" : String.format(Locale.ROOT, "%.1f", r.heapBytes() / (1024.0 * 1024.0)),
            r.threads() < 0 ? "-" : Integer.toString(r.threads()),
            Double.isNaN(r.cpuMicrosPerRequest()) ? "-" : String.format(Locale.ROOT, "%.0f", r.cpuMicrosPerRequest())
        };
    }

    /** Formats milliseconds with one decimal below 10 s and none above; NaN as a dash. */
    static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return "-";
        }
        return ms < 10_000 ? String.format(Locale.ROOT, "%.1f", ms) : String.format(Locale.ROOT, "%,.0f", ms);
    }

    private static String fixed(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static void appendRow(StringBuilder sb, String[] cells, int[] widths) {
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                sb.append("  ");
            }
            String pad = " ".repeat(widths[i] - cells[i].length());
            sb.append(i < 2 || i == 7 ? cells[i] + pad : pad + cells[i]);
        }
        int end = sb.length();
        while (end > 0 && sb.charAt(end - 1) == ' ') {
            end--;
        }
        sb.setLength(end);
        sb.append('\n');
    }
}
