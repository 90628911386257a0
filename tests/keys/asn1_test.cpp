// The RSA and EC key structures are read and written through OpenSSL's ASN.1 templates instead of
// its decoder and encoder framework (src/keys/asn1.hpp). These tests hold that path to the
// framework's results: the same SubjectPublicKeyInfo bytes as i2d_PUBKEY, and the same refusals.
#include <gtest/gtest.h>

#include <openssl/x509.h>

#include "key_test_support.hpp"

namespace {

using namespace photon_dct;
using namespace photon_dct::keys;
using namespace keytest;

// OpenSSL's own encoding of the key's public half (the encoder framework, through i2d_PUBKEY).
Bytes openssl_spki(const Key& key) {
    const std::string pem = key.public_pem();
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    unsigned char* data = nullptr;
    const int len = pkey ? i2d_PUBKEY(pkey.get(), &data) : 0;
    Bytes out(data, data + std::max(len, 0));
    OPENSSL_free(data);
    return out;
}

// The index of the first occurrence of `part` in `der` (the test keys hold each once).
std::size_t find(const Bytes& der, const Bytes& part) {
    const auto it = std::search(der.begin(), der.end(), part.begin(), part.end());
    return static_cast<std::size_t>(it - der.begin());
}

TEST(Asn1Path, SpkiBytesAreOpenSslsEncoding) {
    for (const Key* key : {&rsa1024(), &rsa2048(), &ec256()}) {
        const Bytes expected = openssl_spki(*key);
        ASSERT_FALSE(expected.empty()) << key->algorithm_name();
        EXPECT_EQ(hex(key->spki_der()), hex(expected)) << key->algorithm_name();
        // And read back through the template path, the same key.
        const auto back = parse_spki_der(expected);
        ASSERT_TRUE(back) << key->algorithm_name();
        EXPECT_TRUE(back->same_public_key(*key));
        EXPECT_FALSE(back->is_private());
    }
}

TEST(Asn1Path, RsaSpkiWithParametersOtherThanNullIsRefused) {
    Bytes der = rsa1024().spki_der();
    const std::size_t null_at = find(der, {0x05, 0x00, 0x03}); // NULL, then the BIT STRING
    ASSERT_LT(null_at, der.size());
    ASSERT_TRUE(parse_spki_der(der));
    der[null_at] = 0x04; // an empty OCTET STRING of the same length
    EXPECT_FALSE(parse_spki_der(der));
}

TEST(Asn1Path, SpkiBitStringWithUnusedBitsIsRefused) {
    for (const Key* key : {&rsa1024(), &ec256()}) {
        Bytes der = key->spki_der();
        // The BIT STRING's first content byte counts its unused bits; 0 in every SPKI.
        const std::size_t bits_at = key->type() == KeyType::Rsa ? find(der, {0x03, 0x81, 0x8d, 0x00}) + 3
                                                                : find(der, {0x03, 0x42, 0x00}) + 2;
        ASSERT_LT(bits_at, der.size());
        ASSERT_EQ(der[bits_at], 0x00);
        der[bits_at] = 0x01;
        EXPECT_FALSE(parse_spki_der(der)) << key->algorithm_name();
    }
}

TEST(Asn1Path, EcPointOffTheCurveIsRefused) {
    Bytes der = ec256().spki_der();
    der.back() ^= 0x01;
    EXPECT_FALSE(parse_spki_der(der));
}

TEST(Asn1Path, EcSpkiOnAnUnknownCurveIsRefused) {
    Bytes der = ec256().spki_der();
    // prime256v1 is 1.2.840.10045.3.1.7; make it 1.2.840.10045.3.1.99, which no provider knows.
    const std::size_t curve_at = find(der, {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07});
    ASSERT_LT(curve_at, der.size());
    der[curve_at + 9] = 99;
    EXPECT_FALSE(parse_spki_der(der));
}

TEST(Asn1Path, Pkcs1VersionOtherThanZeroIsRefused) {
    Bytes der = rsa1024().pkcs1_private_der();
    ASSERT_TRUE(parse_rsa_private_pkcs1_der(der));
    const std::size_t version_at = find(der, {0x02, 0x01, 0x00, 0x02}) + 2;
    ASSERT_LT(version_at, der.size());
    der[version_at] = 0x01; // multi-prime, which Device OS cannot read
    EXPECT_FALSE(parse_rsa_private_pkcs1_der(der));
}

TEST(Asn1Path, Sec1KeyReadsBackToTheSameKey) {
    const Bytes der = ec256().sec1_private_der();
    const auto back = parse_ec_private_sec1_der(der);
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->is_private());
    EXPECT_TRUE(back->same_public_key(ec256()));
    EXPECT_EQ(back->sec1_private_der(), der);
    // A point that is not the secret's: the pairwise check refuses it.
    Bytes other = der;
    const Bytes theirs = generate_ec_p256().spki_der();
    std::copy(theirs.end() - 65, theirs.end(), other.end() - 65);
    EXPECT_FALSE(parse_ec_private_sec1_der(other));
}

} // namespace
