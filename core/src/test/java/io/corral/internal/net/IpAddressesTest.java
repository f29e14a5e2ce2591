package io.corral.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.IpAllowList;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressesTest {

    @ParameterizedTest
    @CsvSource({
        "1.2.3.4, 1.2.3.4",
        "0.0.0.0, 0.0.0.0",
        "255.255.255.255, 255.255.255.255",
        "::1, ::1",
        "::, ::",
        "2001:DB8::1, 2001:db8::1",
        "2001:db8:0:0:0:0:0:1, 2001:db8::1",
        "fe80::1:2, fe80::1:2",
        "::ffff:10.0.0.1, 10.0.0.1",
        "1::, 1::",
        "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
        "::1.2.3.4, ::102:304",
    })
    void parsesLiteralsWithoutLookingAnythingUp(String text, String canonical) {
        InetAddress a = IpAddresses.parse(text);
        assertEquals(canonical, IpAddresses.text(a));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "localhost", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256", "1..2.3", "a.b.c.d", ":::", "1:::2",
                "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "::g", "1:", ":1", "", "1.2.3.4 ", "fe80::1%eth0"
            })
    void refusesAnythingElse(String text) {
        assertNull(IpAddresses.parse(text), text);
    }

    @ParameterizedTest
    @CsvSource({
        "'10.0.0.0/8', 10.255.1.2, true",
        "'10.0.0.0/8', 11.0.0.1, false",
        "'192.168.1.0/24, ::1', ::1, true",
        "'192.168.1.0/24, ::1', 192.168.1.77, true",
        "'192.168.1.0/24, ::1', 192.168.2.1, false",
        "'172.16.0.0/12', 172.31.255.255, true",
        "'172.16.0.0/12', 172.32.0.0, false",
        "'fd00::/8', fdab::1, true",
        "'fd00::/8', fe00::1, false",
        "'127.0.0.1', ::ffff:127.0.0.1, true",
        "'*', 8.8.8.8, true",
        "'', 127.0.0.1, false",
        "'0.0.0.0/0', 1.1.1.1, true",
        "'0.0.0.0/0', ::1, false",
    })
    void matchesAddressesAndRanges(String list, String address, boolean expected) {
        IpAllowList l = IpAllowList.parse(list).orElseThrow();
        assertEquals(expected, l.contains(IpAddresses.parse(address)), list + " contains " + address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "1.2.3.4,,", "* x"})
    void refusesListsWithAnythingButLiterals(String list) {
        assertTrue(IpAllowList.parse(list).isEmpty(), list);
        assertFalse(IpAllowList.parse("127.0.0.1").orElseThrow().isEmpty());
    }
}
