#include "photon_dct/text.hpp"

namespace photon_dct {

std::string escape_text(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size());
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        switch (b) {
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (b >= 0x20 && b < 0x7f) {
                out.push_back(c);
            } else {
                out += "\\x";
                out.push_back(digits[b >> 4]);
                out.push_back(digits[b & 0x0f]);
            }
        }
    }
    return out;
}

} // namespace photon_dct
