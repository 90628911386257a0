#include "photon_dct/ops/write.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "photon_dct/error.hpp"
#include "photon_dct/signals.hpp"
#include "background.hpp"

namespace photon_dct::ops {
namespace {

std::vector<ChangedRange> diff_ranges(const Bytes& a, const Bytes& b) {
    std::vector<ChangedRange> out;
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n;) {
        if (a[i] == b[i]) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < n && a[j] != b[j]) ++j;
        out.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j - i)});
        i = j;
    }
    return out;
}

// How the read-back differs from what should be there, counted over the whole window (every
// differing byte, not only the first run of them); nullopt when it is identical.
std::optional<std::string> mismatch_text(const Bytes& readback, const Bytes& expected) {
    if (readback.size() != expected.size())
        return fmt::format("{} bytes read back instead of {}", readback.size(), expected.size());
    const auto bad = diff_ranges(readback, expected);
    if (bad.empty()) return std::nullopt;
    std::size_t bytes = 0;
    for (const auto& r : bad) bytes += r.length;
    return fmt::format("{} {}{}, first at DCT offset {}", bytes, bytes == 1 ? "byte differs" : "bytes differ",
                       bad.size() == 1 ? "" : fmt::format(" in {} places", bad.size()), bad.front().offset);
}

// Writes and syncs the backup of `window` on another thread while `store` readies the write at
// `offset` (a unit takes its set-address command; about 1 ms each, docs/architecture.md,
// "Threads"). Returns once the backup is on disk, with the readying's error for the caller to
// raise; a backup that fails is thrown here, before any byte of the write goes out.
std::exception_ptr save_backup_while_preparing(DctStore& store, const std::filesystem::path& backup,
                                               const Bytes& window, std::uint32_t offset) {
    auto saved = in_background([&] {
        write_new_file(backup, window, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    });
    std::exception_ptr prepare_error;
    try {
        store.prepare_write(offset);
    } catch (...) {
        prepare_error = std::current_exception();
    }
    saved.get();
    return prepare_error;
}

} // namespace

Bytes apply_regions(const Bytes& window, const std::vector<Region>& regions) {
    Bytes out = window;
    for (const auto& r : regions) {
        if (std::size_t{r.offset} + r.bytes.size() > out.size())
            throw Error(ErrorKind::Internal, fmt::format("a region at {} of {} bytes lies past the {}-byte window",
                                                         r.offset, r.bytes.size(), out.size()));
        std::copy(r.bytes.begin(), r.bytes.end(), out.begin() + r.offset);
    }
    return out;
}

void require_readable_dct(const DctStore& store, const Bytes& window) {
    if (std::all_of(window.begin(), window.end(), [](auto b) { return b == 0x00; }))
        throw Error(
            ErrorKind::DeviceDataInvalid,
            fmt::format("{}: the DCT reads as all zeros, so the bootloader cannot reach it and a write would fail",
                        store.description()),
            "flash Device OS 0.7.0 or later system firmware (e.g. `particle update`), then try again");
}

WriteOutcome write_regions(DctStore& store, const Bytes& window, const std::vector<Region>& regions,
                           const WriteOptions& options) {
    if (regions.empty()) throw Error(ErrorKind::Internal, "write_regions called with nothing to write");
    std::uint32_t begin = UINT32_MAX;
    std::uint32_t end = 0;
    for (const auto& r : regions) {
        begin = std::min(begin, r.offset);
        end = std::max(end, static_cast<std::uint32_t>(r.offset + r.bytes.size()));
    }
    if (end > dct::kAppDctSize)
        throw Error(ErrorKind::Refused,
                    fmt::format("refusing to write DCT bytes {}..{}: nothing at or past {} belongs to the application "
                                "DCT (on a Photon it is Wi-Fi system data)",
                                begin, end - 1, dct::kAppDctSize));
    if (end > window.size())
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("{} is {} bytes, too short for a write at {}..{}", store.description(), window.size(),
                                begin, end - 1),
                    "use a full dump of the DCT (photon-dct backup, or dfu-util -a 1 -s 0:16384 -U FILE)");

    require_readable_dct(store, window);
    const auto progress = [&](const std::string& line) {
        if (options.progress) options.progress(line);
    };

    WriteOutcome out;
    out.before = window;
    out.after = apply_regions(window, regions);
    out.write_offset = begin;
    out.write_length = end - begin;
    out.changed = diff_ranges(out.before, out.after);
    out.dry_run = options.dry_run;

    if (out.changed.empty()) {
        out.already_current = true;
        out.verified = true;
    } else if (!options.dry_run) {
        stop_if_signalled("before writing");
        const auto backup = options.backup_path.value_or(store.default_backup_path(window));
        const std::exception_ptr prepare_error = save_backup_while_preparing(store, backup, window, begin);
        out.backup = backup;
        progress(fmt::format("backup of the whole DCT saved to {}", backup.string()));
        const ByteView patch(out.after.data() + begin, end - begin);
        try {
            if (prepare_error) std::rethrow_exception(prepare_error);
            progress(fmt::format("writing {} bytes at DCT offset {} (one write)", patch.size(), begin));
            store.write(begin, patch);
            out.written = true;
            progress("reading back to verify");
            const Bytes readback = store.read_window();
            if (const auto bad = mismatch_text(readback, out.after))
                throw Error(ErrorKind::VerifyMismatch,
                            fmt::format("read-back after the write differs from what was written ({})", *bad),
                            "the DCT may be damaged: run the command again, or restore the backup with "
                            "`photon-dct restore --from BACKUP`");
            out.verified = true;
            if (options.verified) options.verified(backup);
        } catch (const Error& e) {
            throw Error(e.kind(),
                        fmt::format("{} (the DCT as it was before is saved in {})", e.what(), backup.string()),
                        e.hint());
        }
    }
    // A signal during the write and its read-back is acted on only now (docs: SAFETY).
    if (out.written) stop_if_signalled("after the verified write");
    if (options.leave && out.verified && !options.dry_run) {
        out.left = store.leave();
        if (out.left) progress("left DFU mode: the unit resets into its firmware");
    }
    return out;
}

} // namespace photon_dct::ops
