// A PEM file must hold exactly one key: two keys, or a key and a certificate, are refused with the
// count, instead of the first block being used silently (issue 8). Blocks that are neither
// ("EC PARAMETERS" from `openssl ecparam -genkey`) are not counted.
#include "key_test_support.hpp"

#include <openssl/x509.h>

namespace {

using namespace keytest;

// A self-signed certificate for `key`, PEM, built with OpenSSL here (the library never makes one).
std::string certificate_pem(const Key& key) {
    PkeyPtr pkey = raw_private(key);
    std::unique_ptr<X509, Del<X509_free>> cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    X509_set_pubkey(cert.get(), pkey.get());
    EXPECT_GT(X509_sign(cert.get(), pkey.get(), EVP_sha256()), 0);
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert.get());
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

constexpr const char* kEcParameters = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";

std::string load_error(const std::string& pem) {
    try {
        (void)load_key(view(pem), "--pem two.pem");
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
        EXPECT_FALSE(e.hint().empty());
        return e.what();
    }
    ADD_FAILURE() << "accepted";
    return {};
}

TEST(PemBlocks, KeyAndCertificateRefusedWithTheCount) {
    EXPECT_EQ(load_error(ec256().public_pem() + certificate_pem(ec256())),
              "--pem two.pem holds 2 PEM blocks (a PUBLIC KEY and a CERTIFICATE); give a file with exactly one key");
}

TEST(PemBlocks, TwoKeysRefusedWhateverTheirKind) {
    EXPECT_EQ(load_error(rsa1024().private_pem() + ec256().private_pem()),
              "--pem two.pem holds 2 PEM blocks (an RSA PRIVATE KEY and an EC PRIVATE KEY); give a file with exactly "
              "one key");
    // The same key twice is still two blocks.
    EXPECT_EQ(load_error(ec256().public_pem() + ec256().public_pem()),
              "--pem two.pem holds 2 PEM blocks (a PUBLIC KEY and a PUBLIC KEY); give a file with exactly one key");
    EXPECT_EQ(load_error(pkcs8_pem(ec256()) + ec256().public_pem() + certificate_pem(ec256())),
              "--pem two.pem holds 3 PEM blocks (a PRIVATE KEY, a PUBLIC KEY and a CERTIFICATE); give a file with "
              "exactly one key");
}

TEST(PemBlocks, EcParametersAreNotCounted) {
    // What `openssl ecparam -genkey` writes: one EC PARAMETERS block, then the key.
    const Key k = load_key(view(kEcParameters + ec256().private_pem()), "ec.pem");
    EXPECT_TRUE(k.same_public_key(ec256()));
    EXPECT_EQ(load_error(kEcParameters + ec256().private_pem() + ec256().public_pem()),
              "--pem two.pem holds 2 PEM blocks (an EC PRIVATE KEY and a PUBLIC KEY); give a file with exactly one "
              "key");
}

TEST(PemBlocks, KeyFileNamesTheArgument) {
    const TempDir dir;
    const auto path = dir.write("both.pem", view(rsa1024().public_pem() + certificate_pem(rsa1024())));
    try {
        (void)load_key_file(path, "--pem both.pem");
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "--pem both.pem holds 2 PEM blocks (a PUBLIC KEY and a CERTIFICATE); give a "
                                         "file with exactly one key");
    }
    // One key alone still loads.
    const auto one = dir.write("one.pem", view(rsa1024().public_pem()));
    EXPECT_TRUE(load_key_file(one).same_public_key(rsa1024()));
}

} // namespace
