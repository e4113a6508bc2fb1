package org.purifybench.web.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The key the per-address limits count by. */
class ClientAddressTest {

    @Test
    void ipv4AsIsIpv6ByItsSlash64() {
        assertEquals("203.0.113.7", ClientAddress.key("203.0.113.7"));
        assertEquals("2001:0db8:0001:0002::/64", ClientAddress.key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        assertEquals("2001:0db8:0001:0002::/64", ClientAddress.key("[2001:db8:1:2::9]"), "another address of the same network");
        assertEquals("192.0.2.1", ClientAddress.key("::ffff:192.0.2.1"), "an IPv4-mapped address is the IPv4 address");
    }

    @Test
    void anythingElseIsClippedAndCannotInjectIntoTheLog() {
        assertEquals("unknown", ClientAddress.key(" "));
        assertEquals("evil_host_x", ClientAddress.key("evil\nhost x"));
        assertEquals(64, ClientAddress.key("a".repeat(500)).length());
    }
}
