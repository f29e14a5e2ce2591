package io.corral.internal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.corral.testing.TestCertificates;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.Test;

class KeyManagersTest {

    /**
     * Every handshake asks the key manager for an alias and then for that alias's key. A manager
     * that reads the key from a PKCS#12 store each time pays a PBKDF2 decryption per handshake
     * (and hands out a new key object each time); the one Corral uses hands out the key it read
     * once.
     */
    @Test
    void handsOutTheKeyReadOnceAtEveryHandshake() throws Exception {
        TestCertificates certs = TestCertificates.shared();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = "secret".toCharArray();
        store.setKeyEntry(
                "server", certs.server().key(), password, certs.server().chain().toArray(new Certificate[0]));
        X509ExtendedKeyManager keys = (X509ExtendedKeyManager) TlsContext.keyManagers(store, password)[0];

        String alias = keys.chooseEngineServerAlias("EC", null, null);
        assertNotNull(alias, "the EC key is chosen for an EC signature");
        PrivateKey first = keys.getPrivateKey(alias);
        assertEquals(certs.server().key(), first);
        assertArrayEquals(certs.server().chain().toArray(), keys.getCertificateChain(alias));
        for (int handshake = 0; handshake < 3; handshake++) {
            String again = keys.chooseEngineServerAlias("EC", null, null);
            assertSame(first, keys.getPrivateKey(again), "the same key object: not read from the store again");
        }
    }
}
