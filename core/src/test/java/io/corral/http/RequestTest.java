package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

class RequestTest {

    @Test
    void splitsAndDecodesPathAndQuery() {
        Request r = Request.builder()
                .target("/caf%C3%A9/a%20b?q=a+b&q=%26&empty&x=1=2")
                .build();
        assertEquals("/café/a b", r.path());
        assertEquals("/caf%C3%A9/a%20b", r.rawPath());
        assertEquals("q=a+b&q=%26&empty&x=1=2", r.rawQuery());
        assertEquals(Map.of("q", List.of("a b", "&"), "empty", List.of(""), "x", List.of("1=2")), r.queryParams());
        assertEquals(Optional.of("a b"), r.queryParam("q"));
        assertEquals(Optional.empty(), r.queryParam("missing"));
    }

    @Test
    void takesThePathOfAnAbsoluteFormTarget() {
        assertEquals(
                "/p",
                Request.builder().target("http://example.com/p?x=1").build().path());
        assertEquals("/", Request.builder().target("http://example.com").build().path());
    }

    @Test
    void keepsMalformedEscapesAsSent() {
        assertEquals("/100%", Request.builder().target("/100%").build().path());
        assertEquals("/%zz", Request.builder().target("/%zz").build().path());
    }

    @Test
    void boundsTheBodyItReadsIntoMemory() throws Exception {
        Request r = Request.builder()
                .body(new ByteArrayInputStream(new byte[20]), -1)
                .build();
        BadMessageException e = assertThrows(BadMessageException.class, () -> r.bodyBytes(10));
        assertEquals(413, e.status());
        assertEquals("hi", Request.builder().body("hi").build().bodyString());
    }

    @Test
    void consumesABuiltBodyWithoutBlockingAsWell() throws Exception {
        assertArrayEquals(
                "hello".getBytes(StandardCharsets.UTF_8),
                Request.builder()
                        .body("hello")
                        .build()
                        .bodyBytesAsync()
                        .toCompletableFuture()
                        .get());
        Request r = Request.builder().body("hello").build();
        List<String> signals = new ArrayList<>();
        Flow.Subscriber<ByteBuffer> recorder = new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                signals.add("next " + StandardCharsets.UTF_8.decode(item));
            }

            @Override
            public void onError(Throwable failure) {
                signals.add("error " + failure.getClass().getSimpleName());
            }

            @Override
            public void onComplete() {
                signals.add("complete");
            }
        };
        r.bodyPublisher().subscribe(recorder);
        r.bodyPublisher().subscribe(recorder);
        assertEquals(List.of("next hello", "complete", "error IllegalStateException"), signals, "read once");
        ExecutionException e = assertThrows(
                ExecutionException.class,
                () -> Request.builder()
                        .body("0123456789")
                        .build()
                        .bodyBytesAsync(5)
                        .toCompletableFuture()
                        .get());
        assertEquals(413, ((BadMessageException) e.getCause()).status());
    }

    @Test
    void isPlainUnlessTheConnectionIsTls() {
        Request plain = Request.builder().build();
        assertEquals(false, plain.secure());
        assertEquals(Optional.empty(), plain.tls());
        assertEquals("http", plain.scheme());

        TlsInfo tls = new TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", Optional.empty(), Optional.empty(), List.of());
        Request secure = Request.builder().tls(tls).build();
        assertEquals(true, secure.secure());
        assertEquals(Optional.of(tls), secure.tls());
        assertEquals("https", secure.scheme());
        assertEquals(Optional.empty(), tls.clientCertificate());
        assertEquals(Optional.empty(), tls.clientSubject());
    }
}
