// Key generation (EVP_PKEY_keygen).
#include "ossl.hpp"

#include <openssl/core_names.h>
#include <openssl/rsa.h>

namespace photon_dct::keys {

using namespace detail;

Key generate_rsa(int bits, std::uint64_t public_exponent) {
    if (bits < 512 || bits > 16384)
        throw Error(ErrorKind::InvalidInput, "RSA key size " + std::to_string(bits) + " is out of range",
                    "Use 1024 for a Photon/P1/Electron device key or 2048 for a server key.");
    if (public_exponent < 3 || public_exponent % 2 == 0)
        throw Error(ErrorKind::InvalidInput,
                    "RSA public exponent " + std::to_string(public_exponent) + " must be odd and at least 3",
                    "Use 65537 (the firmware assumes it).");
    ErrorQueueGuard guard;
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) throw_openssl("cannot set up RSA key generation");
    BnPtr e(BN_new());
    if (!e) throw_openssl("BN_new failed");
    std::uint8_t be[8];
    for (int i = 0; i < 8; ++i) be[i] = static_cast<std::uint8_t>(public_exponent >> (56 - 8 * i));
    if (BN_bin2bn(be, sizeof be, e.get()) == nullptr || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1)
        throw_openssl("cannot set RSA key generation parameters");
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_generate(ctx.get(), &raw) != 1 || raw == nullptr) throw_openssl("RSA key generation failed");
    return KeyAccess::make(PkeyPtr(raw));
}

Key generate_ec_p256() {
    ErrorQueueGuard guard;
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) throw_openssl("cannot set up EC key generation");
    char group[] = "prime256v1";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) throw_openssl("cannot select curve P-256");
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_generate(ctx.get(), &raw) != 1 || raw == nullptr) throw_openssl("EC key generation failed");
    return KeyAccess::make(PkeyPtr(raw));
}

Key generate_device_rsa_key() {
    for (int attempt = 0; attempt < 64; ++attempt) {
        Key key = generate_rsa(1024, 65537);
        Bytes der = key.pkcs1_private_der();
        const bool ok = !firmware_rsa_layout_problem(der).has_value();
        cleanse(der);
        if (ok) return key;
    }
    throw Error(ErrorKind::Internal, "could not generate an RSA-1024 key in the firmware's layout");
}

} // namespace photon_dct::keys
