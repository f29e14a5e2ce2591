package io.corral.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.corral.internal.http.CodecDriver.Feed;
import io.corral.internal.http.CodecDriver.Outcome;
import io.corral.internal.http.RequestCases.Case;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Properties of the codec: how the bytes are cut into reads never changes the result, and no input
 * makes it fail with anything but a {@link io.corral.http.BadMessageException}. The driver lets
 * any other exception escape, so "no other exception" is checked by every property here. Seeds are
 * fixed so that runs are repeatable.
 */
class RequestCodecPropertiesTest {

    private static final String SEED = "20261127";

    private static final List<Case> CASES = RequestCases.all();

    @Provide
    Arbitrary<Case> cases() {
        return Arbitraries.of(CASES);
    }

    @Provide
    Arbitrary<Case> validCases() {
        return Arbitraries.of(RequestCases.valid());
    }

    // ---- every case, cut everywhere ----

    @Property(generation = GenerationMode.EXHAUSTIVE)
    void validCaseSplitAtEveryByteGivesTheSameResultAsWhole(@ForAll("validCases") Case c) {
        Outcome whole = CodecDriver.runWhole(c.raw(), c.limits());
        for (int at = 1; at < c.raw().length; at++) {
            Outcome split = CodecDriver.run(c.raw(), c.limits(), Feed.splitAt(at, c.raw().length));
            assertEquals(whole, split, "split before byte " + at);
        }
    }

    @Property(generation = GenerationMode.EXHAUSTIVE)
    void anyCaseFedOneByteAtATimeGivesTheSameResultAsWhole(@ForAll("cases") Case c) {
        Outcome whole = CodecDriver.runWhole(c.raw(), c.limits());
        assertEquals(whole, CodecDriver.run(c.raw(), c.limits(), Feed.byteByByte()));
    }

    @Property(generation = GenerationMode.EXHAUSTIVE)
    void invalidCaseSplitAtEveryByteFailsTheSameWayAsWhole(@ForAll("cases") Case c) {
        if (c.valid()) {
            return;
        }
        Outcome whole = CodecDriver.runWhole(c.raw(), c.limits());
        for (int at = 1; at < c.raw().length; at++) {
            assertEquals(whole, CodecDriver.run(c.raw(), c.limits(), Feed.splitAt(at, c.raw().length)), "at " + at);
        }
    }

    @Property(tries = 3000, seed = SEED)
    void anyCaseInRandomReadsGivesTheSameResultAsWhole(@ForAll("cases") Case c, @ForAll("feeds") Feed feed) {
        assertEquals(CodecDriver.runWhole(c.raw(), c.limits()), CodecDriver.run(c.raw(), c.limits(), feed));
    }

    // ---- inputs nobody wrote down ----

    @Property(tries = 3000, seed = SEED)
    void randomBytesOnlyParseFailOrWait(
            @ForAll("randomBytes") byte[] raw, @ForAll("limits") Limits limits, @ForAll("feeds") Feed feed) {
        assertEquals(CodecDriver.runWhole(raw, limits), CodecDriver.run(raw, limits, feed));
    }

    @Property(tries = 4000, seed = SEED)
    void requestLikeNoiseOnlyParsesFailsOrWaits(
            @ForAll("requestLikeNoise") byte[] raw, @ForAll("limits") Limits limits, @ForAll("feeds") Feed feed) {
        assertEquals(CodecDriver.runWhole(raw, limits), CodecDriver.run(raw, limits, feed));
    }

    @Property(tries = 5000, seed = SEED)
    void mutatedCasesOnlyParseFailOrWait(
            @ForAll("mutatedCases") Tuple.Tuple2<byte[], Limits> input, @ForAll("feeds") Feed feed) {
        byte[] raw = input.get1();
        Limits limits = input.get2();
        assertEquals(CodecDriver.runWhole(raw, limits), CodecDriver.run(raw, limits, feed));
    }

    // ---- generators ----

    @Provide
    Arbitrary<Feed> feeds() {
        Arbitrary<int[]> pieces = Arbitraries.integers()
                .between(1, 40)
                .array(int[].class)
                .ofMinSize(1)
                .ofMaxSize(12);
        return Combinators.combine(
                        pieces,
                        Arbitraries.integers().between(1, 96),
                        Arbitraries.integers().between(1, 40),
                        Arbitraries.of(false, false, true))
                .as(Feed::new);
    }

    @Provide
    Arbitrary<Limits> limits() {
        Arbitrary<Limits> small = Combinators.combine(
                        Arbitraries.integers().between(1, 64),
                        Arbitraries.integers().between(1, 8),
                        Arbitraries.integers().between(1, 64),
                        Arbitraries.longs().between(0, 40))
                .as(Limits::new);
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(RequestCases.DEFAULTS)),
                Tuple.of(1, Arbitraries.just(RequestCases.UNLIMITED_BODY)),
                Tuple.of(2, small));
    }

    @Provide
    Arbitrary<byte[]> randomBytes() {
        Arbitrary<Byte> any = Arbitraries.bytes();
        Arbitrary<Byte> framing =
                Arbitraries.of((byte) '\r', (byte) '\n', (byte) ' ', (byte) ':', (byte) '\t', (byte) 0);
        return Arbitraries.frequencyOf(Tuple.of(3, any), Tuple.of(1, framing))
                .array(byte[].class)
                .ofMaxSize(300);
    }

    /**
     * Lines of the kinds requests are made of, in random order with random endings and an
     * occasional stray fragment, so that deep states (fields, chunks, trailers, pipelining) are
     * reached often.
     */
    @Provide
    Arbitrary<byte[]> requestLikeNoise() {
        Arbitrary<String> requestLine = Arbitraries.frequencyOf(
                Tuple.of(
                        8,
                        Arbitraries.of(
                                "POST / HTTP/1.1",
                                "GET / HTTP/1.0",
                                "PUT /a?b HTTP/1.1",
                                "OPTIONS * HTTP/1.1",
                                "POST http://h/ HTTP/1.1")),
                Tuple.of(
                        1,
                        Arbitraries.of(
                                "CONNECT h:1 HTTP/1.1", "GET / HTTP/2.0", "get  / HTTP/1.1", "GET / HTTP/1.1 ")));
        Arbitrary<String> field = Arbitraries.frequencyOf(
                Tuple.of(
                        12,
                        Arbitraries.of(
                                "Connection: close",
                                "Connection: keep-alive",
                                "Expect: 100-continue",
                                "X: y",
                                "Accept: */*",
                                "Trailer: X")),
                Tuple.of(
                        2,
                        Arbitraries.of(
                                "Host: b",
                                "Content-Length: 99999999999",
                                "Content-Length: -1",
                                "Content-Length: 5",
                                "Transfer-Encoding: gzip, chunked",
                                "Transfer-Encoding: ,",
                                "Transfer-Encoding: chunked",
                                "Expect: x",
                                " folded",
                                "X : y",
                                ": y",
                                "X: \u00e9\u0000",
                                "X-Long: " + "v".repeat(60))));
        Arbitrary<String> chunk = Arbitraries.frequencyOf(
                Tuple.of(
                        6,
                        Arbitraries.of(
                                "5\r\nhello", "a\r\n0123456789", "5;e=\"q\"\r\nhello", "0\r\nX: 1\r\n", "0\r\n")),
                Tuple.of(1, Arbitraries.of("ffffffffffffffff", "7fffffffffffffff", "5 ", "x", "0\r\nHost: a")));
        Arbitrary<String> stray = Arbitraries.of("\r", "\n", " ", "\t", ":", ";", "\u0000", "\u007f", "\u00ff", "");
        Arbitrary<String> ending = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just("\r\n")), Tuple.of(1, Arbitraries.of("\n", "\r", "")));
        Arbitrary<String> strayOrNot = stray.injectNull(0.95).map(x -> x == null ? "" : x);
        Arbitrary<String> fieldLine =
                Combinators.combine(field, strayOrNot, ending).as((f, x, e) -> f + x + e);
        Arbitrary<String> chunkLine =
                Combinators.combine(chunk, strayOrNot, ending).as((c, x, e) -> c + x + e);
        Arbitrary<String> body = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just("\r\n")),
                Tuple.of(2, Arbitraries.of("Content-Length: 5\r\n\r\nhello", "Content-Length: 0\r\n\r\n")),
                Tuple.of(
                        3,
                        chunkLine
                                .list()
                                .ofMaxSize(4)
                                .map(chunks ->
                                        "Transfer-Encoding: chunked\r\n\r\n" + String.join("", chunks) + "0\r\n\r\n")));
        Arbitrary<String> request = Combinators.combine(
                        requestLine,
                        ending,
                        Arbitraries.of("Host: a\r\n", "Host: a\r\n", ""),
                        fieldLine.list().ofMaxSize(3),
                        body)
                .as((rl, e, host, fields, b) -> rl + e + host + String.join("", fields) + b);
        return request.list()
                .ofMinSize(1)
                .ofMaxSize(3)
                .map(parts -> String.join("", parts).getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A case of the table with one to four bytes flipped, inserted, deleted or duplicated. */
    @Provide
    Arbitrary<Tuple.Tuple2<byte[], Limits>> mutatedCases() {
        Arbitrary<Mutation> mutation = Combinators.combine(
                        Arbitraries.integers().between(0, 3),
                        Arbitraries.doubles().between(0, 1),
                        Arbitraries.frequencyOf(
                                Tuple.of(3, Arbitraries.bytes()),
                                Tuple.of(
                                        2,
                                        Arbitraries.of(
                                                (byte) '\r',
                                                (byte) '\n',
                                                (byte) ' ',
                                                (byte) ':',
                                                (byte) ',',
                                                (byte) '0',
                                                (byte) ';'))))
                .as(Mutation::new);
        return Combinators.combine(
                        Arbitraries.of(CASES), mutation.list().ofMinSize(1).ofMaxSize(4))
                .as((c, mutations) -> {
                    byte[] raw = c.raw();
                    for (Mutation m : mutations) {
                        raw = m.apply(raw);
                    }
                    return Tuple.of(raw, c.limits());
                });
    }

    /**
     * One edit of a byte array.
     *
     * @param kind 0 flips the bits of a byte with {@code b}, 1 inserts {@code b}, 2 deletes a byte,
     *     3 duplicates a span of up to 8 bytes
     * @param where the position, as a fraction of the length
     */
    record Mutation(int kind, double where, byte b) {

        byte[] apply(byte[] raw) {
            int at = (int) (where * raw.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + 8);
            switch (kind) {
                case 0 -> {
                    byte[] copy = raw.clone();
                    if (at < copy.length) {
                        copy[at] ^= b == 0 ? 1 : b;
                    }
                    return copy;
                }
                case 1 -> {
                    out.write(raw, 0, at);
                    out.write(b);
                    out.write(raw, at, raw.length - at);
                }
                case 2 -> {
                    if (at == raw.length) {
                        return raw;
                    }
                    out.write(raw, 0, at);
                    out.write(raw, at + 1, raw.length - at - 1);
                }
                default -> {
                    int span = Math.min(1 + (b & 7), raw.length - at);
                    out.write(raw, 0, at + span);
                    out.write(raw, at, raw.length - at);
                }
            }
            return out.toByteArray();
        }
    }
}
