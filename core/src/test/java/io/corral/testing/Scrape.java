package io.corral.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Prometheus text scrape parsed into series and values, for tests that check exact counts:
 * {@code scrape.value("corral_rejections_total{reason=\"overload\"}")}. Immutable.
 *
 * @param series every sample line's series (name and labels as written) and its value
 */
public record Scrape(Map<String, Double> series) {

    /** Parses {@code text}, checking that every sample line belongs to a family declared with # TYPE. */
    public static Scrape parse(String text) {
        Map<String, Double> series = new LinkedHashMap<>();
        java.util.Set<String> families = new java.util.HashSet<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                families.add(line.split(" ")[2]);
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String name = line.substring(0, space);
            String family = name.contains("{") ? name.substring(0, name.indexOf('{')) : name;
            String base = family.replaceAll("_(bucket|sum|count)$", "");
            if (!families.contains(family) && !families.contains(base)) {
                throw new AssertionError("a sample of an undeclared family: " + line);
            }
            if (series.put(name, Double.parseDouble(line.substring(space + 1))) != null) {
                throw new AssertionError("a series written twice: " + line);
            }
        }
        return new Scrape(series);
    }

    /** Returns the value of {@code series} (as written, labels in order), or 0 if it is absent. */
    public double value(String series) {
        return this.series.getOrDefault(series, 0.0);
    }

    /** Returns how much each series changed from {@code before} to this scrape, leaving out those that did not. */
    public Map<String, Double> changesSince(Scrape before) {
        Map<String, Double> out = new TreeMap<>();
        for (Map.Entry<String, Double> e : series.entrySet()) {
            double delta = e.getValue() - before.value(e.getKey());
            if (delta != 0) {
                out.put(e.getKey(), delta);
            }
        }
        return out;
    }

    /** Returns how many series have names starting with {@code prefix}. */
    public long count(String prefix) {
        return series.keySet().stream().filter(s -> s.startsWith(prefix)).count();
    }
}
