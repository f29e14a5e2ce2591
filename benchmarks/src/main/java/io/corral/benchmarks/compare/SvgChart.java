package io.corral.benchmarks.compare;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws the comparison as a standalone SVG: throughput against concurrency on log-log axes, one
 * line per server and the Little's-law limit ({@code concurrency / latency}) as a dashed line, so
 * a model that keeps up runs along it and one that plateaus falls away flat.
 *
 * <p>Pure: results in, SVG text out. Points with no throughput sit on the bottom axis.
 */
public final class SvgChart {

    static final int WIDTH = 880;
    static final int HEIGHT = 500;
    private static final int LEFT = 80;
    private static final int RIGHT = 220;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final Map<String, String> COLORS = Map.of(
            "sync", "#d62728",
            "async", "#1f77b4",
            "virtual", "#2ca02c",
            "netty", "#9467bd",
            "helidon", "#ff7f0e",
            "jetty", "#8c564b");
    private static final String[] SPARE_COLORS = {"#17becf", "#bcbd22", "#e377c2", "#7f7f7f"};

    private SvgChart() {}

    /** Returns the chart of {@code results} for an upstream of {@code latency}, titled {@code title}. */
    public static String render(String title, Duration latency, List<PointResult> results) {
        Map<String, List<PointResult>> byServer = new LinkedHashMap<>();
        for (PointResult r : results) {
            byServer.computeIfAbsent(r.server(), k -> new ArrayList<>()).add(r);
        }
        int minC = results.stream().mapToInt(PointResult::concurrency).min().orElse(1);
        int maxC = results.stream().mapToInt(PointResult::concurrency).max().orElse(10);
        double maxY = PointResult.littleLimit(maxC, latency);
        double minY = PointResult.littleLimit(minC, latency);
        for (PointResult r : results) {
            double rps = r.load().requestsPerSecond();
            maxY = Math.max(maxY, rps);
            if (rps > 0) {
                minY = Math.min(minY, rps);
            }
        }
        double x0 = Math.log10(minC) - 0.15;
        double x1 = Math.log10(Math.max(maxC, minC * 10)) + 0.15;
        double y0 = Math.floor(Math.log10(Math.max(0.1, minY)));
        double y1 = Math.ceil(Math.log10(maxY) + 0.05);
        Scale sx = new Scale(x0, x1, LEFT, WIDTH - RIGHT);
        Scale sy = new Scale(y0, y1, HEIGHT - BOTTOM, TOP);

        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"sans-serif\" font-size=\"12\">\n",
                WIDTH,
                HEIGHT,
                WIDTH,
                HEIGHT));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s</text>\n",
                LEFT,
                escape(title)));
        // grid and ticks
        for (int e = (int) y0; e <= (int) y1; e++) {
            double y = sy.map(e);
            svg.append(line(LEFT, y, WIDTH - RIGHT, y, "#dddddd", false));
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    LEFT - 6,
                    y + 4,
                    number(Math.pow(10, e))));
        }
        for (int c : results.stream()
                .mapToInt(PointResult::concurrency)
                .distinct()
                .sorted()
                .toArray()) {
            double x = sx.map(Math.log10(c));
            svg.append(line(x, TOP, x, HEIGHT - BOTTOM, "#eeeeee", false));
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    x,
                    HEIGHT - BOTTOM + 18,
                    number(c)));
        }
        svg.append(line(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM, "#333333", false));
        svg.append(line(LEFT, TOP, LEFT, HEIGHT - BOTTOM, "#333333", false));
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">concurrent connections (log)</text>\n",
                (LEFT + WIDTH - RIGHT) / 2.0,
                HEIGHT - 18));
        svg.append(String.format(
                Locale.ROOT,
                "<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">requests per second"
                        + " (log)</text>\n",
                (TOP + HEIGHT - BOTTOM) / 2.0));
        // Little's law: log10(rps) = log10(C) + k with k = log10(1 / L), a straight line on log-log axes
        double k = Math.log10(PointResult.littleLimit(1, latency));
        double lawFrom = Math.max(x0, y0 - k);
        double lawTo = Math.min(x1, y1 - k);
        if (lawFrom < lawTo) {
            svg.append(line(sx.map(lawFrom), sy.map(lawFrom + k), sx.map(lawTo), sy.map(lawTo + k), "#555555", true));
        }
        int legendY = TOP + 10;
        svg.append(legend(legendY, "#555555", "Little's law: C / " + latency.toMillis() + " ms", true));
        int spare = 0;
        for (Map.Entry<String, List<PointResult>> e : byServer.entrySet()) {
            String color = COLORS.get(e.getKey());
            if (color == null) {
                color = SPARE_COLORS[spare++ % SPARE_COLORS.length];
            }
            StringBuilder points = new StringBuilder();
            StringBuilder marks = new StringBuilder();
            for (PointResult r : e.getValue()) {
                double rps = r.load().requestsPerSecond();
                double x = sx.map(Math.log10(r.concurrency()));
                double y = sy.map(rps > 0 ? clamp(Math.log10(rps), y0, y1) : y0);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                marks.append(String.format(
                        Locale.ROOT,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s C=%d: %s req/s</title></circle>\n",
                        x,
                        y,
                        color,
                        escape(r.server()),
                        r.concurrency(),
                        number(Math.round(rps))));
            }
            svg.append(String.format(
                    Locale.ROOT,
                    "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                    points.toString().trim(),
                    color));
            svg.append(marks);
            legendY += 20;
            svg.append(legend(legendY, color, e.getKey(), false));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String legend(int y, String color, String label, boolean dashed) {
        int x = WIDTH - RIGHT + 15;
        return line(x, y, x + 24, y, color, dashed).replace("stroke-width=\"1\"", "stroke-width=\"2\"")
                + String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>\n", x + 30, y + 4, escape(label));
    }

    private static String line(double xa, double ya, double xb, double yb, String color, boolean dashed) {
        return String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"%s/>\n",
                xa,
                ya,
                xb,
                yb,
                color,
                dashed ? " stroke-dasharray=\"6 4\"" : "");
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** Formats a tick or a rate: 10, 100, 1k, 10k, 1M. */
    static String number(double v) {
        if (v >= 1e6 && v % 1e6 == 0) {
            return (long) (v / 1e6) + "M";
        }
        if (v >= 1e3 && v % 1e3 == 0) {
            return (long) (v / 1e3) + "k";
        }
        if (v >= 1 || v == 0) {
            return Long.toString(Math.round(v));
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A linear map from a value range to a pixel range. */
    private record Scale(double from0, double from1, double to0, double to1) {
        double map(double v) {
            return to0 + (v - from0) / (from1 - from0) * (to1 - to0);
        }
    }
}
