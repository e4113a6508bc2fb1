package org.purifybench.web.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.server.HttpServerConfiguration;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The client address the per-address limits count by (uploads per hour, failed admin logins).
 *
 * <p>By default the TCP peer's address. Micronaut's own resolver would otherwise believe the first
 * {@code Forwarded} / {@code X-Forwarded-For} entry, which any client can write, and so slip past
 * every per-address limit. Behind a reverse proxy, set {@code micronaut.server.client-address-header}
 * to a header the proxy overwrites (e.g. {@code X-Real-IP}): then that header's value counts.
 * IPv6 addresses count by their /64 network, which one subscriber usually holds whole.
 */
@Singleton
public class ClientAddress {
    private final String header;

    ClientAddress(HttpServerConfiguration server) {
        String h = server.getClientAddressHeader();
        this.header = h == null || h.isBlank() ? null : h;
    }

    public String of(HttpRequest<?> request) {
        String raw;
        if (header != null) {
            raw = request.getHeaders().get(header);
            raw = raw == null ? "" : raw.split(",")[0].strip();
        } else {
            InetSocketAddress peer = request.getRemoteAddress();
            raw = peer == null ? "" : peer.getAddress() != null ? peer.getAddress().getHostAddress() : peer.getHostString();
        }
        return key(raw);
    }

    /** The limit key of an address: an IPv4 address as is, an IPv6 address's /64 network, anything else clipped. */
    static String key(String address) {
        String a = address.strip();
        if (a.startsWith("[") && a.contains("]")) {
            a = a.substring(1, a.indexOf(']'));
        }
        if (a.isEmpty()) {
            return "unknown";
        }
        // Only literals are parsed: getByName on a name would ask DNS.
        if (a.contains(":") && a.matches("[0-9A-Fa-f:.]+")) {
            try {
                byte[] b = InetAddress.getByName(a).getAddress();
                if (b.length == 16) {
                    return String.format("%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
                }
                return InetAddress.getByAddress(b).getHostAddress(); // an IPv4-mapped address
            } catch (UnknownHostException e) {
                return clip(a);
            }
        }
        return clip(a);
    }

    private static String clip(String a) {
        String s = a.replaceAll("[^A-Za-z0-9.:_-]", "_");
        return s.length() > 64 ? s.substring(0, 64) : s;
    }
}
