package io.corral.http;

import io.corral.internal.http.Tokens;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * An immutable, ordered list of HTTP header fields with case-insensitive, multi-value lookup.
 *
 * <p>Names keep the case they were given; lookups ignore it. A name may appear many times, and
 * {@link #all(String)} returns every value in order. Values are never folded or split: a field sent
 * as {@code Accept: a, b} is one value {@code "a, b"}; {@link #containsToken(String, String)}
 * reads such comma lists.
 *
 * <pre>{@code
 * Headers h = Headers.of("Content-Type", "text/plain", "Set-Cookie", "a=1", "Set-Cookie", "b=2");
 * h.first("content-type");   // Optional[text/plain]
 * h.all("SET-COOKIE");       // [a=1, b=2]
 * }</pre>
 *
 * <p>Every name must be an RFC 9110 token and no value may hold CR, LF or NUL, so a header built
 * here can never split a response. Instances are immutable and safe to share between threads; the
 * {@code with...} methods return changed copies.
 */
public final class Headers implements Iterable<Map.Entry<String, String>> {

    private static final Headers EMPTY = new Headers(new String[0], 0);

    /** names at even indexes, values at odd ones; only the first {@code 2 * size} are used. */
    private final String[] fields;

    private final int size;

    private Headers(String[] fields, int size) {
        this.fields = fields;
        this.size = size;
    }

    /** Returns the empty header list. */
    public static Headers empty() {
        return EMPTY;
    }

    /**
     * Returns headers made of name, value pairs, in order.
     *
     * @throws IllegalArgumentException if the count is odd, a name is not a token or a value holds
     *     CR, LF or NUL
     */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException(
                    "Headers.of needs name, value pairs; got an odd count of " + namesAndValues.length + " strings");
        }
        Builder b = new Builder(namesAndValues.length / 2);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            b.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return b.build();
    }

    /** Returns an empty builder. */
    public static Builder builder() {
        return new Builder(8);
    }

    /** Returns a builder that starts with these fields. */
    public Builder toBuilder() {
        Builder b = new Builder(Math.max(8, size + 4));
        System.arraycopy(fields, 0, b.fields, 0, size * 2);
        b.size = size;
        return b;
    }

    /** Returns the number of fields, counting each repeated name once per occurrence. */
    public int size() {
        return size;
    }

    /** Returns true if there are no fields. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** Returns the name of the field at {@code index}, in the case it was given. */
    public String name(int index) {
        return fields[2 * checkIndex(index)];
    }

    /** Returns the value of the field at {@code index}. */
    public String value(int index) {
        return fields[2 * checkIndex(index) + 1];
    }

    /** Returns the first value of {@code name}, ignoring case, if present. */
    public Optional<String> first(String name) {
        return Optional.ofNullable(firstOrNull(name));
    }

    /** Returns the first value of {@code name}, ignoring case, or {@code null} if absent. */
    public String firstOrNull(String name) {
        for (int i = 0; i < size * 2; i += 2) {
            if (fields[i].equalsIgnoreCase(name)) {
                return fields[i + 1];
            }
        }
        return null;
    }

    /** Returns every value of {@code name}, ignoring case, in order; empty if absent. */
    public List<String> all(String name) {
        List<String> values = null;
        for (int i = 0; i < size * 2; i += 2) {
            if (fields[i].equalsIgnoreCase(name)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(fields[i + 1]);
            }
        }
        return values == null ? List.of() : List.copyOf(values);
    }

    /** Returns how many fields are named {@code name}, ignoring case. */
    public int count(String name) {
        int n = 0;
        for (int i = 0; i < size * 2; i += 2) {
            if (fields[i].equalsIgnoreCase(name)) {
                n++;
            }
        }
        return n;
    }

    /** Returns true if a field named {@code name} is present, ignoring case. */
    public boolean contains(String name) {
        return firstOrNull(name) != null;
    }

    /**
     * Returns true if any field named {@code name} holds {@code token} in its comma-separated list,
     * both compared ignoring case; for example {@code containsToken("Connection", "close")}.
     */
    public boolean containsToken(String name, String token) {
        for (int i = 0; i < size * 2; i += 2) {
            if (fields[i].equalsIgnoreCase(name) && Tokens.listContains(fields[i + 1], token)) {
                return true;
            }
        }
        return false;
    }

    /** Returns the distinct names, in the case of their first occurrence, in order. */
    public Set<String> names() {
        Set<String> lower = new LinkedHashSet<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < size * 2; i += 2) {
            if (lower.add(fields[i].toLowerCase(java.util.Locale.ROOT))) {
                names.add(fields[i]);
            }
        }
        return names;
    }

    /** Calls {@code action} with each name and value, in order. */
    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < size * 2; i += 2) {
            action.accept(fields[i], fields[i + 1]);
        }
    }

    /** Returns a copy with one more field at the end. */
    public Headers with(String name, String value) {
        return toBuilder().add(name, value).build();
    }

    /** Returns a copy where {@code name} has exactly this one value, replacing any others in place. */
    public Headers withReplaced(String name, String value) {
        return toBuilder().set(name, value).build();
    }

    /** Returns a copy without any field named {@code name}. */
    public Headers without(String name) {
        if (!contains(name)) {
            return this;
        }
        return toBuilder().remove(name).build();
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public Map.Entry<String, String> next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                int i = 2 * next++;
                return new AbstractMap.SimpleImmutableEntry<>(fields[i], fields[i + 1]);
            }
        };
    }

    /** Equal when both hold the same names (ignoring case) and values in the same order. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Headers other) || other.size != size) {
            return false;
        }
        for (int i = 0; i < size * 2; i += 2) {
            if (!fields[i].equalsIgnoreCase(other.fields[i]) || !fields[i + 1].equals(other.fields[i + 1])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = 0; i < size * 2; i += 2) {
            h = 31 * h + fields[i].toLowerCase(java.util.Locale.ROOT).hashCode();
            h = 31 * h + fields[i + 1].hashCode();
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < size * 2; i += 2) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(fields[i]).append('=').append(fields[i + 1]);
        }
        return sb.append('}').toString();
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("header index " + index + " of " + size);
        }
        return index;
    }

    /** True if {@code s} is a non-empty RFC 9110 token. */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Tokens.isTokenChar(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Builds a {@link Headers}; checks each name and value as it is added. Not thread-safe: confine
     * a builder to the thread that fills it.
     */
    public static final class Builder {
        private String[] fields;
        private int size;

        private Builder(int capacity) {
            this.fields = new String[capacity * 2];
        }

        /**
         * Appends a field.
         *
         * @throws IllegalArgumentException if the name is not a token or the value holds CR, LF or NUL
         */
        public Builder add(String name, String value) {
            checkField(name, value);
            if (2 * size == fields.length) {
                fields = Arrays.copyOf(fields, Math.max(8, fields.length * 2));
            }
            fields[2 * size] = name;
            fields[2 * size + 1] = value;
            size++;
            return this;
        }

        /** Sets {@code name} to this one value: replaces the first occurrence, drops the rest, or appends. */
        public Builder set(String name, String value) {
            checkField(name, value);
            int first = -1;
            int w = 0;
            for (int r = 0; r < size * 2; r += 2) {
                if (fields[r].equalsIgnoreCase(name)) {
                    if (first >= 0) {
                        continue;
                    }
                    first = w;
                    fields[w] = name;
                    fields[w + 1] = value;
                } else {
                    fields[w] = fields[r];
                    fields[w + 1] = fields[r + 1];
                }
                w += 2;
            }
            Arrays.fill(fields, w, size * 2, null);
            size = w / 2;
            return first >= 0 ? this : add(name, value);
        }

        /** Removes every field named {@code name}, ignoring case. */
        public Builder remove(String name) {
            int w = 0;
            for (int r = 0; r < size * 2; r += 2) {
                if (!fields[r].equalsIgnoreCase(name)) {
                    fields[w] = fields[r];
                    fields[w + 1] = fields[r + 1];
                    w += 2;
                }
            }
            Arrays.fill(fields, w, size * 2, null);
            size = w / 2;
            return this;
        }

        /** Returns true if a field named {@code name} has been added, ignoring case. */
        public boolean contains(String name) {
            for (int i = 0; i < size * 2; i += 2) {
                if (fields[i].equalsIgnoreCase(name)) {
                    return true;
                }
            }
            return false;
        }

        /** Returns the number of fields added so far. */
        public int size() {
            return size;
        }

        /** Returns the immutable headers; the builder may be reused afterwards. */
        public Headers build() {
            return size == 0 ? EMPTY : new Headers(Arrays.copyOf(fields, size * 2), size);
        }

        private static void checkField(String name, String value) {
            if (!isToken(name)) {
                throw new IllegalArgumentException("header name " + quote(name)
                        + " is not a token (letters, digits and !#$%&'*+-.^_`|~ only, not empty)");
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\r' || c == '\n' || c == 0) {
                    throw new IllegalArgumentException("value of header " + name
                            + " holds CR, LF or NUL, which would split the message: " + quote(value));
                }
            }
        }

        private static String quote(String s) {
            return '"' + s.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0") + '"';
        }
    }
}
