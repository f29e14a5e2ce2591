package io.corral.benchmarks.loss;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where a client sends its requests: the server's address, the {@code Host} header and the
 * request target (path and query), parsed once from an {@code http://} URL.
 *
 * @param address the server's socket address, resolved
 * @param host the {@code Host} header value ({@code host:port})
 * @param path the request target: the URL's path (or {@code /}) and query, as written
 */
record Target(InetSocketAddress address, String host, String path) {

    /** Parses {@code url} ({@code http://HOST[:PORT][/PATH][?QUERY]}); {@code option} names it in errors. */
    static Target parse(String option, String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(option + ": '" + url + "' is not a URL: " + e.getMessage());
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException(option + ": '" + url + "' is not an http://HOST[:PORT]/PATH URL");
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path = path + "?" + uri.getRawQuery();
        }
        return new Target(new InetSocketAddress(uri.getHost(), port), uri.getHost() + ":" + port, path);
    }

    @Override
    public String toString() {
        return "http://" + host + path;
    }
}
