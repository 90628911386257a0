// Tests for photon_dct_keys. OpenSSL is used directly only to build inputs the library does not
// produce itself (PKCS#8, encrypted keys, compressed points).
#include <gtest/gtest.h>

#include "key_test_support.hpp"

namespace {

using namespace photon_dct;
using namespace photon_dct::keys;
using namespace keytest;

// ---------------------------------------------------------------------------------------------
// Particle's production keys (§4.3)

TEST(ParticleKeys, TcpServerKeyIsRsa2048Spki294) {
    const Key k = load_key(view(kTcpServerPem), "tcp");
    EXPECT_EQ(k.type(), KeyType::Rsa);
    EXPECT_EQ(k.bits(), 2048);
    EXPECT_EQ(k.algorithm_name(), "RSA-2048");
    EXPECT_FALSE(k.is_private());
    EXPECT_EQ(k.curve(), "");
    EXPECT_EQ(k.rsa_public_exponent(), 65537u);
    const Bytes der = k.spki_der();
    ASSERT_EQ(der.size(), 294u);
    EXPECT_EQ(sha256_hex(der), kTcpServerSha256);
    EXPECT_EQ(fingerprint(k), kTcpServerSha256);
    EXPECT_EQ(hex(k.rsa_modulus()), kTcpServerModulus);
    // The firmware takes N from offset 33 (256 bytes) and E from the tail (§4.1).
    EXPECT_EQ(hex(ByteView(der).subspan(33, 256)), kTcpServerModulus);
    EXPECT_EQ(hex(ByteView(der).first(33)), "30820122300d06092a864886f70d01010105000382010f003082010a0282010100");
    EXPECT_EQ(hex(ByteView(der).last(5)), "0203010001");
    EXPECT_EQ(k.public_pem(), kTcpServerPem);
}

TEST(ParticleKeys, UdpServerKeyIsP256Spki91) {
    const Key k = load_key(view(kUdpServerPem), "udp");
    EXPECT_EQ(k.type(), KeyType::Ec);
    EXPECT_EQ(k.bits(), 256);
    EXPECT_EQ(k.curve(), "prime256v1");
    EXPECT_EQ(k.algorithm_name(), "EC P-256");
    EXPECT_FALSE(k.is_private());
    EXPECT_EQ(k.rsa_public_exponent(), std::nullopt);
    EXPECT_TRUE(k.rsa_modulus().empty());
    const Bytes der = k.spki_der();
    ASSERT_EQ(der.size(), 91u);
    EXPECT_EQ(sha256_hex(der), kUdpServerSha256);
    EXPECT_EQ(hex(ByteView(der).first(26)), "3059301306072a8648ce3d020106082a8648ce3d030107034200");
    EXPECT_EQ(der[26], 0x04);
    EXPECT_EQ(hex(ByteView(der).subspan(27)), kUdpServerPoint);
    EXPECT_EQ(k.public_pem(), kUdpServerPem);
}

TEST(ParticleKeys, DerFormsParseStrictlyAndWithPadding) {
    const Bytes tcp = load_key(view(kTcpServerPem), "tcp").spki_der();
    const Bytes udp = load_key(view(kUdpServerPem), "udp").spki_der();
    ASSERT_TRUE(parse_spki_der(tcp));
    ASSERT_TRUE(parse_spki_der(udp));
    EXPECT_EQ(fingerprint(*parse_spki_der(tcp)), kTcpServerSha256);
    EXPECT_EQ(fingerprint(*parse_spki_der(udp)), kUdpServerSha256);

    // As stored in the DCT: the 512-byte TCP block / 192-byte UDP field padded with 0xFF.
    Bytes slot = tcp;
    slot.resize(512, 0xFF);
    EXPECT_EQ(der_sequence_length(slot), 294u);
    EXPECT_FALSE(parse_spki_der(slot)); // strict: trailing bytes refused
    EXPECT_TRUE(parse_spki_der(ByteView(slot).first(*der_sequence_length(slot))));
    EXPECT_EQ(fingerprint(load_key(slot, "tcp.der")), kTcpServerSha256); // files may carry padding

    Bytes uslot = udp;
    uslot.resize(192, 0xFF);
    EXPECT_EQ(der_sequence_length(uslot), 91u);
    EXPECT_EQ(fingerprint(load_key(uslot, "udp.der")), kUdpServerSha256);
}

TEST(ParticleKeys, SamePublicKey) {
    const Key tcp = load_key(view(kTcpServerPem), "a");
    const Key tcp2 = load_key(tcp.spki_der(), "b");
    const Key udp = load_key(view(kUdpServerPem), "c");
    EXPECT_TRUE(tcp.same_public_key(tcp2));
    EXPECT_FALSE(tcp.same_public_key(udp));
    EXPECT_FALSE(tcp.same_public_key(rsa2048()));
    EXPECT_TRUE(rsa1024().same_public_key(rsa1024().public_only()));
    EXPECT_TRUE(ec256().public_only().same_public_key(ec256()));
    EXPECT_FALSE(ec256().same_public_key(udp));
}

// ---------------------------------------------------------------------------------------------
// Generation

TEST(Generate, Rsa1024) {
    const Key& k = rsa1024();
    EXPECT_EQ(k.type(), KeyType::Rsa);
    EXPECT_EQ(k.bits(), 1024);
    EXPECT_EQ(k.rsa_public_exponent(), 65537u);
    EXPECT_TRUE(k.is_private());
    EXPECT_EQ(k.algorithm_name(), "RSA-1024");
    EXPECT_EQ(k.rsa_modulus().size(), 128u);
    EXPECT_EQ(k.spki_der().size(), 162u); // §5.2
}

TEST(Generate, RsaOtherExponent) {
    const Key k = generate_rsa(1024, 3);
    EXPECT_EQ(k.rsa_public_exponent(), 3u);
    EXPECT_THROW(generate_rsa(1024, 4), Error);
    EXPECT_THROW(generate_rsa(100), Error);
}

TEST(Generate, RsaServerShape) {
    const Bytes der = rsa2048().spki_der();
    ASSERT_EQ(der.size(), 294u);
    EXPECT_EQ(hex(ByteView(der).first(33)), "30820122300d06092a864886f70d01010105000382010f003082010a0282010100");
}

TEST(Generate, EcP256) {
    const Key& k = ec256();
    EXPECT_EQ(k.type(), KeyType::Ec);
    EXPECT_EQ(k.curve(), "prime256v1");
    EXPECT_EQ(k.bits(), 256);
    EXPECT_EQ(k.algorithm_name(), "EC P-256");
    EXPECT_TRUE(k.is_private());
    EXPECT_EQ(k.spki_der().size(), 91u);
    EXPECT_FALSE(k.public_only().is_private());
}

TEST(Generate, DeviceRsaKeyFitsFirmwareLayout) {
    const Key k = generate_device_rsa_key();
    const Bytes der = k.pkcs1_private_der();
    EXPECT_EQ(firmware_rsa_layout_problem(der), std::nullopt);
    EXPECT_LE(der.size(), 612u);
    EXPECT_EQ(k.bits(), 1024);
}

// ---------------------------------------------------------------------------------------------
// Private formats

TEST(PrivateFormats, Pkcs1NeverPkcs8) {
    const Bytes der = rsa1024().pkcs1_private_der();
    ASSERT_GE(der.size(), 11u);
    EXPECT_EQ(der[0], 0x30);
    EXPECT_EQ(der[1], 0x82);
    EXPECT_EQ(der[2], 0x02);
    EXPECT_EQ(der[3] & 0xF0, 0x50);
    EXPECT_EQ(hex(ByteView(der).subspan(4, 7)), "02010002818100");
    EXPECT_NE(hex(ByteView(der).subspan(4, 7)).substr(6, 4), "300d"); // not PKCS#8
    EXPECT_GE(der.size(), 600u);
    EXPECT_LE(der.size(), 612u);
    EXPECT_EQ(der_sequence_length(der), der.size());
    // The same bytes for the OpenSSL 3 trap: PKCS#8 starts 30 82 02 7x 02 01 00 30 0d 06 09.
    const Bytes p8 = pkcs8_der(rsa1024());
    ASSERT_GT(p8.size(), 11u);
    EXPECT_EQ(hex(ByteView(p8).subspan(4, 7)), "020100300d0609");
    EXPECT_TRUE(firmware_rsa_layout_problem(p8).has_value());
}

TEST(PrivateFormats, Pkcs1RoundTrip) {
    const Bytes der = rsa1024().pkcs1_private_der();
    const auto k = parse_rsa_private_pkcs1_der(der);
    ASSERT_TRUE(k);
    EXPECT_TRUE(k->is_private());
    EXPECT_TRUE(k->same_public_key(rsa1024()));
    EXPECT_EQ(k->pkcs1_private_der(), der);
    // Padded like the 612-byte DCT slot.
    Bytes slot = der;
    slot.resize(612, 0xFF);
    EXPECT_EQ(der_sequence_length(slot), der.size());
    EXPECT_FALSE(parse_rsa_private_pkcs1_der(slot));
    EXPECT_TRUE(parse_rsa_private_pkcs1_der(ByteView(slot).first(der.size())));
    // A PKCS#8 blob in the slot is not a PKCS#1 key.
    EXPECT_FALSE(parse_rsa_private_pkcs1_der(pkcs8_der(rsa1024())));
    // Not an EC key either.
    EXPECT_FALSE(parse_ec_private_sec1_der(der));
    EXPECT_FALSE(parse_spki_der(der));
}

TEST(PrivateFormats, Sec1P256Is121BytesAndRoundTrips) {
    const Bytes der = ec256().sec1_private_der();
    ASSERT_EQ(der.size(), 121u);
    EXPECT_EQ(hex(ByteView(der).first(7)), "30770201010420");
    // [0] named curve prime256v1, [1] public key
    EXPECT_EQ(hex(ByteView(der).subspan(39, 14)), "a00a06082a8648ce3d030107a144");
    const auto k = parse_ec_private_sec1_der(der);
    ASSERT_TRUE(k);
    EXPECT_TRUE(k->is_private());
    EXPECT_EQ(k->curve(), "prime256v1");
    EXPECT_TRUE(k->same_public_key(ec256()));
    EXPECT_EQ(k->sec1_private_der(), der);
    Bytes slot = der;
    slot.resize(192, 0xFF);
    EXPECT_EQ(der_sequence_length(slot), 121u);
    EXPECT_FALSE(parse_ec_private_sec1_der(slot));
    EXPECT_FALSE(parse_rsa_private_pkcs1_der(der));
    EXPECT_FALSE(parse_ec_private_sec1_der(pkcs8_der(ec256())));
}

TEST(PrivateFormats, Sec1WithoutPublicKeyGetsItBack) {
    // Some writers omit the optional [1] publicKey; our output must still carry it (121 bytes).
    PkeyPtr raw = raw_private(ec256());
    ASSERT_EQ(EVP_PKEY_set_int_param(raw.get(), OSSL_PKEY_PARAM_EC_INCLUDE_PUBLIC, 0), 1);
    const Bytes short_der = encode(raw.get(), "DER", "type-specific");
    ASSERT_EQ(short_der.size(), 121u - 70u); // minus a1 44 03 42 00 04 X Y
    const auto k = parse_ec_private_sec1_der(short_der);
    ASSERT_TRUE(k);
    EXPECT_TRUE(k->same_public_key(ec256()));
    EXPECT_EQ(k->sec1_private_der(), ec256().sec1_private_der());
    EXPECT_EQ(load_key(short_der, "short.der").sec1_private_der().size(), 121u);
}

TEST(PrivateFormats, WrongTypeThrowsInternal) {
    const Key pub = load_key(view(kTcpServerPem), "tcp");
    for (auto fn : {+[](const Key& k) { (void)k.pkcs1_private_der(); },
                    +[](const Key& k) { (void)k.sec1_private_der(); }, +[](const Key& k) { (void)k.private_pem(); }}) {
        try {
            fn(pub);
            ADD_FAILURE() << "no exception";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Internal);
        }
    }
    EXPECT_THROW((void)ec256().pkcs1_private_der(), Error);
    EXPECT_THROW((void)rsa1024().sec1_private_der(), Error);
    EXPECT_THROW((void)rsa1024().public_only().pkcs1_private_der(), Error);
}

TEST(PrivateFormats, FirmwareShapedPkcs1IsAccepted) {
    // §5.1: the firmware generator writes fixed-width integers (N, D 129 bytes; CRT values 65),
    // even where DER would be shorter. Rebuild our key that way and read it back.
    const Bytes der = rsa1024().pkcs1_private_der();
    std::vector<Bytes> ints;
    std::size_t pos = 4;
    while (pos < der.size()) {
        ASSERT_EQ(der[pos], 0x02);
        std::size_t len = der[pos + 1];
        std::size_t hdr = 2;
        if (len == 0x81) {
            len = der[pos + 2];
            hdr = 3;
        } else if (len == 0x82) {
            len = (std::size_t(der[pos + 2]) << 8) | der[pos + 3];
            hdr = 4;
        }
        Bytes v(der.begin() + static_cast<long>(pos + hdr), der.begin() + static_cast<long>(pos + hdr + len));
        while (v.size() > 1 && v[0] == 0) v.erase(v.begin());
        ints.push_back(v);
        pos += hdr + len;
    }
    ASSERT_EQ(ints.size(), 9u);
    auto fixed = [](Bytes v, std::size_t width) {
        Bytes out(width - v.size(), 0x00);
        return concat(out, v);
    };
    Bytes fw = {0x30, 0x82, 0x02, 0x5f, 0x02, 0x01, 0x00, 0x02, 0x81, 0x81};
    fw = concat(fw, fixed(ints[1], 129));
    fw = concat(fw, {0x02, 0x03, 0x01, 0x00, 0x01, 0x02, 0x81, 0x81});
    fw = concat(fw, fixed(ints[3], 129));
    for (int i = 4; i < 9; ++i) fw = concat(concat(fw, {0x02, 0x41}), fixed(ints[static_cast<std::size_t>(i)], 65));
    ASSERT_EQ(fw.size(), 611u);
    EXPECT_EQ(der_sequence_length(fw), 611u);
    EXPECT_EQ(firmware_rsa_layout_problem(fw), std::nullopt);
    const auto k = parse_rsa_private_pkcs1_der(fw);
    ASSERT_TRUE(k);
    EXPECT_TRUE(k->same_public_key(rsa1024()));
    Bytes slot = fw;
    slot.push_back(0xFF); // 612th byte
    EXPECT_TRUE(load_key(slot, "device.der").same_public_key(rsa1024()));
}

TEST(PrivateFormats, NonMinimalIntegersAreAccepted) {
    // Firmware-written keys can pad short values with zeros (BER-ish); OpenSSL reads them. Force
    // one: QP (the last INTEGER, 64/65 bytes) re-encoded with two extra leading zeros.
    const Bytes der = rsa1024().pkcs1_private_der();
    std::size_t pos = 4, last = 0;
    while (pos < der.size()) {
        last = pos;
        std::size_t len = der[pos + 1], hdr = 2;
        if (len == 0x81) {
            len = der[pos + 2];
            hdr = 3;
        }
        pos += hdr + len;
    }
    ASSERT_EQ(der[last], 0x02);
    const std::size_t qp_len = der[last + 1];
    ASSERT_LT(qp_len, 0x7eu);
    Bytes body(der.begin() + 4, der.begin() + static_cast<long>(last));
    body.push_back(0x02);
    body.push_back(static_cast<std::uint8_t>(qp_len + 2));
    body.push_back(0x00);
    body.push_back(0x00);
    body.insert(body.end(), der.begin() + static_cast<long>(last + 2), der.end());
    Bytes padded = {0x30, 0x82, static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    padded = concat(padded, body);
    ASSERT_EQ(der_sequence_length(padded), padded.size());
    const auto k = parse_rsa_private_pkcs1_der(padded);
    ASSERT_TRUE(k);
    EXPECT_EQ(k->pkcs1_private_der(), der); // re-encoded canonically
    EXPECT_TRUE(firmware_rsa_layout_problem(padded).has_value());
}

TEST(FirmwareLayout, Problems) {
    EXPECT_TRUE(firmware_rsa_layout_problem({}).has_value());
    const Bytes d3 = generate_rsa(1024, 3).pkcs1_private_der();
    const auto p = firmware_rsa_layout_problem(d3);
    ASSERT_TRUE(p);
    EXPECT_NE(p->find("65537"), std::string::npos);
    const auto big = firmware_rsa_layout_problem(rsa2048().pkcs1_private_der());
    ASSERT_TRUE(big);
    EXPECT_NE(big->find("612"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Round trips through load_key: PEM/DER x public/private x RSA/EC

struct RoundTripCase {
    const char* name;
    const Key& (*key)();
};

class RoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTrip, AllFormats) {
    const Key& k = GetParam().key();
    const bool rsa = k.type() == KeyType::Rsa;
    // public PEM / DER
    const std::string pub_pem = k.public_pem();
    EXPECT_EQ(pub_pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
    const Key a = load_key(view(pub_pem), "pub.pem");
    EXPECT_FALSE(a.is_private());
    EXPECT_TRUE(a.same_public_key(k));
    const Key b = load_key(k.spki_der(), "pub.der");
    EXPECT_FALSE(b.is_private());
    EXPECT_EQ(b.spki_der(), k.spki_der());
    // private traditional PEM / DER
    const std::string priv_pem = k.private_pem();
    EXPECT_EQ(priv_pem.rfind(rsa ? "-----BEGIN RSA PRIVATE KEY-----\n" : "-----BEGIN EC PRIVATE KEY-----\n", 0), 0u);
    const Key c = load_key(view(priv_pem), "priv.pem");
    EXPECT_TRUE(c.is_private());
    EXPECT_TRUE(c.same_public_key(k));
    EXPECT_EQ(c.private_pem(), priv_pem);
    const Bytes trad = rsa ? k.pkcs1_private_der() : k.sec1_private_der();
    const Key d = load_key(trad, "priv.der");
    EXPECT_TRUE(d.is_private());
    EXPECT_EQ(rsa ? d.pkcs1_private_der() : d.sec1_private_der(), trad);
    // PKCS#8 input (what `openssl rsa -outform DER` gives on OpenSSL 3) → traditional output
    const Key e = load_key(pkcs8_der(k), "p8.der");
    EXPECT_TRUE(e.is_private());
    EXPECT_EQ(rsa ? e.pkcs1_private_der() : e.sec1_private_der(), trad);
    const std::string p8pem = pkcs8_pem(k);
    EXPECT_EQ(p8pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
    const Key f = load_key(view(p8pem), "p8.pem");
    EXPECT_EQ(f.private_pem(), priv_pem);
    // copies share the key
    Key g = f;
    EXPECT_TRUE(g.same_public_key(f));
    Key h = std::move(g);
    EXPECT_TRUE(h.is_private());
    g = h;
    EXPECT_TRUE(g.is_private());
    const Key taken = std::move(h);
    EXPECT_TRUE(taken.is_private());
    EXPECT_THROW((void)h.bits(), Error) << "a moved-from key is not usable"; // NOLINT(bugprone-use-after-move)
    h = taken;                                                               // assignable again
    EXPECT_TRUE(h.same_public_key(k));
}

INSTANTIATE_TEST_SUITE_P(Keys, RoundTrip,
                         ::testing::Values(RoundTripCase{"rsa1024", &rsa1024}, RoundTripCase{"rsa2048", &rsa2048},
                                           RoundTripCase{"ec256", &ec256}),
                         [](const ::testing::TestParamInfo<RoundTripCase>& param_info) {
                             return std::string(param_info.param.name);
                         });

TEST(LoadKey, RsaPublicPkcs1) {
    PkeyPtr raw = raw_private(rsa2048());
    EncPtr ctx(OSSL_ENCODER_CTX_new_for_pkey(raw.get(), EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr));
    ASSERT_TRUE(ctx);
    unsigned char* data = nullptr;
    size_t len = 0;
    ASSERT_EQ(OSSL_ENCODER_to_data(ctx.get(), &data, &len), 1);
    const std::string pem(reinterpret_cast<char*>(data), len);
    OPENSSL_free(data);
    ASSERT_EQ(pem.rfind("-----BEGIN RSA PUBLIC KEY-----", 0), 0u);
    const Key k = load_key(view(pem), "rsapub.pem");
    EXPECT_FALSE(k.is_private());
    EXPECT_TRUE(k.same_public_key(rsa2048()));
}

TEST(LoadKey, RsaPublicPkcs1Der) {
    PkeyPtr raw = raw_private(rsa1024());
    EncPtr ctx(OSSL_ENCODER_CTX_new_for_pkey(raw.get(), EVP_PKEY_PUBLIC_KEY, "DER", "type-specific", nullptr));
    ASSERT_TRUE(ctx);
    unsigned char* data = nullptr;
    size_t len = 0;
    ASSERT_EQ(OSSL_ENCODER_to_data(ctx.get(), &data, &len), 1);
    const Bytes der(data, data + len);
    OPENSSL_free(data);
    ASSERT_EQ(hex(ByteView(der).first(4)), "30818902"); // RSAPublicKey, no AlgorithmIdentifier
    const Key k = load_key(der, "rsapub.der");
    EXPECT_FALSE(k.is_private());
    EXPECT_TRUE(k.same_public_key(rsa1024()));
    EXPECT_FALSE(parse_spki_der(der)); // the DCT parser wants SPKI only
}

TEST(LoadKey, Ed25519IsOther) {
    PkeyPtr raw(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    ASSERT_TRUE(raw);
    const Bytes pem = encode(raw.get(), "PEM", "PrivateKeyInfo");
    const Key k = load_key(pem, "ed.pem");
    EXPECT_EQ(k.type(), KeyType::Other);
    EXPECT_EQ(k.algorithm_name(), "Ed25519");
    EXPECT_TRUE(k.is_private());
    EXPECT_EQ(k.curve(), "");
    EXPECT_EQ(k.rsa_public_exponent(), std::nullopt);
    EXPECT_EQ(k.spki_der().size(), 44u);
    EXPECT_EQ(k.private_pem().rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
    EXPECT_THROW((void)k.pkcs1_private_der(), Error);
    EXPECT_THROW((void)k.sec1_private_der(), Error);
    EXPECT_FALSE(k.public_only().is_private());
    EXPECT_TRUE(parse_spki_der(k.spki_der()));
}

TEST(LoadKey, HugeRsaExponentIsNullopt) {
    // RSA SPKI with a 9-byte public exponent: rsa_public_exponent() cannot represent it.
    const Bytes n = concat({0x00}, rsa1024().rsa_modulus()); // 129 bytes
    Bytes rsapub = {0x02, 0x81, 0x81};
    rsapub = concat(rsapub, n);
    rsapub = concat(rsapub, {0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01});
    Bytes seq = concat({0x30, 0x81, static_cast<std::uint8_t>(rsapub.size())}, rsapub);
    Bytes bits = concat({0x03, 0x81, static_cast<std::uint8_t>(seq.size() + 1), 0x00}, seq);
    Bytes alg = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    Bytes body = concat(alg, bits);
    Bytes spki = concat({0x30, 0x81, static_cast<std::uint8_t>(body.size())}, body);
    const auto k = parse_spki_der(spki);
    ASSERT_TRUE(k);
    EXPECT_EQ(k->type(), KeyType::Rsa);
    EXPECT_EQ(k->rsa_public_exponent(), std::nullopt);
    EXPECT_EQ(k->rsa_modulus(), rsa1024().rsa_modulus());
    EXPECT_EQ(k->spki_der(), spki);
}

TEST(LoadKey, EcParametersBlockBeforeKey) {
    // `openssl ecparam -name prime256v1 -genkey` writes an EC PARAMETERS block first.
    const std::string pem =
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + ec256().private_pem();
    const Key k = load_key(view(pem), "ec.pem");
    EXPECT_TRUE(k.is_private());
    EXPECT_TRUE(k.same_public_key(ec256()));
}

TEST(LoadKey, CompressedPointIsNormalisedToUncompressed) {
    PkeyPtr raw = raw_private(ec256());
    ASSERT_EQ(EVP_PKEY_set_utf8_string_param(raw.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"), 1);
    unsigned char* data = nullptr;
    const int len = i2d_PUBKEY(raw.get(), &data);
    ASSERT_GT(len, 0);
    const Bytes compressed(data, data + len);
    OPENSSL_free(data);
    ASSERT_EQ(compressed.size(), 59u);
    const auto k = parse_spki_der(compressed);
    ASSERT_TRUE(k);
    EXPECT_EQ(k->spki_der().size(), 91u);
    EXPECT_TRUE(k->same_public_key(ec256()));
}

TEST(LoadKey, EncryptedRefused) {
    PkeyPtr raw = raw_private(rsa1024());
    const Bytes p8pem = encode(raw.get(), "PEM", "EncryptedPrivateKeyInfo", "AES-128-CBC");
    ASSERT_FALSE(p8pem.empty());
    expect_load_error(p8pem, ErrorKind::InvalidInput, "encrypted");
    const Bytes p8der = encode(raw.get(), "DER", "EncryptedPrivateKeyInfo", "AES-128-CBC");
    ASSERT_FALSE(p8der.empty());
    expect_load_error(p8der, ErrorKind::InvalidInput, "encrypted");
    const Bytes trad = encode(raw.get(), "PEM", "type-specific", "AES-128-CBC");
    ASSERT_NE(std::string(trad.begin(), trad.end()).find("Proc-Type: 4,ENCRYPTED"), std::string::npos);
    expect_load_error(trad, ErrorKind::InvalidInput, "encrypted");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(LoadKey, GarbageNamesTheArgument) {
    expect_load_error({}, ErrorKind::InvalidInput, "not a PEM or DER key (the file is empty)");
    expect_load_error(Bytes(612, 0xFF), ErrorKind::InvalidInput, "0xFF");
    expect_load_error(Bytes(64, 0x00), ErrorKind::InvalidInput, "all zero");
    expect_load_error(view("hello world\n"), ErrorKind::InvalidInput, "text");
    expect_load_error(Bytes{0x01, 0x02, 0x03, 0x99}, ErrorKind::InvalidInput, "binary");
    expect_load_error(Bytes{0x30, 0x82, 0x01, 0x00, 0x01}, ErrorKind::InvalidInput, "truncated");
    expect_load_error(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}, ErrorKind::InvalidInput, "not a key");
    expect_load_error(view("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n"), ErrorKind::InvalidInput,
                      "not a PEM or DER key");
    expect_load_error(view("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), ErrorKind::InvalidInput,
                      "PUBLIC KEY");
    expect_load_error(view("-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n"), ErrorKind::InvalidInput, "\"FOO\"");
    expect_load_error(view("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), ErrorKind::InvalidInput,
                      "certificate");
    // Trailing non-padding after a valid key.
    Bytes d = load_key(view(kUdpServerPem), "x").spki_der();
    d.push_back(0x42);
    expect_load_error(d, ErrorKind::InvalidInput, "padding");
    // Truncated keys.
    const Bytes priv = rsa1024().pkcs1_private_der();
    expect_load_error(ByteView(priv).first(300), ErrorKind::InvalidInput);
    const std::string pem = rsa1024().private_pem();
    expect_load_error(view(std::string_view(pem).substr(0, pem.size() / 2)), ErrorKind::InvalidInput);
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(LoadKey, MessagesCarryNoKeyMaterial) {
    // A private key followed by junk: the message must not contain the key's bytes or base64.
    Bytes der = ec256().sec1_private_der();
    der.push_back(0x42);
    const std::string scalar = hex(ByteView(der).subspan(7, 32));
    try {
        (void)load_key(der, "k");
        FAIL() << "accepted";
    } catch (const Error& e) {
        const std::string msg = std::string(e.what()) + e.hint();
        EXPECT_EQ(msg.find(scalar.substr(0, 8)), std::string::npos);
        EXPECT_LT(msg.size(), 400u);
    }
}

TEST(LoadKeyFile, MissingFileIsFileIo) {
    const TempDir dir;
    try {
        (void)load_key_file(dir.path() / "nope.pem");
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::FileIo);
        EXPECT_NE(std::string(e.what()).find("nope.pem"), std::string::npos);
        EXPECT_FALSE(e.hint().empty());
    }
    try {
        (void)load_key_file(dir.path(), "--pem dir");
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::FileIo);
        EXPECT_NE(std::string(e.what()).find("--pem dir"), std::string::npos);
    }
}

TEST(LoadKeyFile, ReadsPemAndDer) {
    const TempDir dir;
    const auto pem = dir.write("server.pem", view(kTcpServerPem));
    EXPECT_EQ(fingerprint(load_key_file(pem)), kTcpServerSha256);
    const Bytes der = ec256().sec1_private_der();
    const auto derp = dir.write("device.der", der);
    const Key k = load_key_file(derp, "--key device.der");
    EXPECT_TRUE(k.is_private());
    EXPECT_TRUE(k.same_public_key(ec256()));
    const auto garbage = dir.write("garbage.bin", view("nonsense"));
    try {
        (void)load_key_file(garbage, "--pem garbage.bin");
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
        EXPECT_EQ(std::string(e.what()).rfind("--pem garbage.bin: not a PEM or DER key (", 0), 0u) << e.what();
    }
}

} // namespace
