// A private key must match its public half (photon_dct_keys' pairwise check): an RSA key by its
// arithmetic identities (n = pq, ed = 1 mod p-1 and q-1, dP, dQ, qInv), an EC key by its point.
// Also public-key equality between keys.
#include <gtest/gtest.h>

#include "key_test_support.hpp"

namespace {

using namespace photon_dct;
using namespace photon_dct::keys;
using namespace keytest;

TEST(PrivateFormats, InconsistentRsaKeyRefused) {
    Bytes der = rsa1024().pkcs1_private_der();
    der[20] ^= 0x01; // inside N
    EXPECT_FALSE(parse_rsa_private_pkcs1_der(der));
    Bytes ec = ec256().sec1_private_der();
    ec[10] ^= 0x01; // private scalar no longer matches the public point
    EXPECT_FALSE(parse_ec_private_sec1_der(ec));
}

TEST(Compare, SamePublicKey) {
    EXPECT_TRUE(rsa1024().same_public_key(rsa1024().public_only()));
    EXPECT_TRUE(ec256().public_only().same_public_key(ec256()));
    EXPECT_FALSE(rsa1024().same_public_key(rsa2048()));
    EXPECT_FALSE(rsa1024().same_public_key(ec256()));
    EXPECT_FALSE(ec256().same_public_key(generate_ec_p256()));
    EXPECT_EQ(ERR_peek_error(), 0u);
}

// PKCS#1 RSAPrivateKey is SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv }: a bit flipped in the
// middle of any of the eight numbers breaks one of the identities the key check tests.
TEST(PrivateFormats, RsaKeyWithAnyNumberChangedRefused) {
    const Bytes der = rsa1024().pkcs1_private_der();
    const char* names[] = {"version", "n", "e", "d", "p", "q", "dP", "dQ", "qInv"};
    std::size_t pos = (der[1] & 0x80) ? 2 + (der[1] & 0x7fU) : 2;
    for (const char* name : names) {
        ASSERT_EQ(der.at(pos), 0x02) << name;
        std::size_t len = der.at(pos + 1);
        std::size_t body = pos + 2;
        if (len & 0x80) {
            const std::size_t octets = len & 0x7f;
            len = 0;
            for (std::size_t i = 0; i < octets; ++i) len = (len << 8) | der.at(pos + 2 + i);
            body += octets;
        }
        if (std::string_view(name) != "version") {
            Bytes changed = der;
            changed.at(body + len / 2) ^= 0x10;
            EXPECT_FALSE(parse_rsa_private_pkcs1_der(changed)) << name;
        }
        pos = body + len;
    }
    EXPECT_EQ(pos, der.size());
    EXPECT_TRUE(parse_rsa_private_pkcs1_der(der));
}

} // namespace
