#include "photon_dct/ops/store.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sys/stat.h>

#include <fmt/format.h>

#include "photon_dct/error.hpp"

namespace photon_dct::ops {
namespace fs = std::filesystem;

FileStore::FileStore(fs::path path, const dct::Platform& platform) : path_(std::move(path)), platform_(platform) {}

std::string FileStore::description() const {
    return fmt::format("image {} ({})", path_.string(), platform_.display_name);
}

std::vector<dct::CommandArgument> FileStore::selector_arguments() const {
    std::vector<dct::CommandArgument> args{{"file", path_.string(), false}};
    if (platform_.id != dct::PlatformId::Photon) args.push_back({"platform", std::string(platform_.name), false});
    return args;
}

std::string FileStore::what() const { return "--file " + path_.string(); }

Bytes FileStore::read_window() {
    const auto deadline = std::chrono::steady_clock::now() + kImageLockWait;
    for (;;) {
        Fd fd = open_regular_file(path_, what(), dct_image_rule());
        if (locked_.valid()) {
            // Ours since the first read: anything else at the path was put there by a program that
            // ignores the lock.
            if (!is_file_at(locked_.get(), path_) || !is_file_at(fd.get(), path_))
                throw Error(ErrorKind::FileIo, fmt::format("{}: the image was replaced by another program", what()),
                            "check what else writes to this file, then run the command again");
            return read_open_file(fd.get(), what(), dct_image_rule());
        }
        lock_exclusive(fd.get(), what(), deadline);
        // A run that held the lock may have renamed a new image over the one locked here: lock that.
        if (!is_file_at(fd.get(), path_)) continue;
        Bytes bytes = read_open_file(fd.get(), what(), dct_image_rule());
        locked_ = std::move(fd);
        return bytes;
    }
}

void FileStore::write(std::uint32_t offset, ByteView bytes) {
    Bytes image = read_window();
    if (std::size_t{offset} + bytes.size() > image.size())
        throw Error(ErrorKind::InvalidInput, fmt::format("write at {}..{} is past the end of the {}-byte image {}",
                                                         offset, offset + bytes.size(), image.size(), path_.string()));
    std::copy(bytes.begin(), bytes.end(), image.begin() + offset);
    struct stat original {};
    if (::fstat(locked_.get(), &original) != 0)
        throw Error(ErrorKind::FileIo, fmt::format("{}: cannot stat: {}", what(), std::strerror(errno)));
    // A symlink stays a link: its target is what gets the new bytes.
    std::error_code ec;
    const fs::path target = fs::canonical(path_, ec);
    if (ec) throw Error(ErrorKind::FileIo, fmt::format("{}: cannot resolve the path: {}", what(), ec.message()));
    locked_ = replace_file(target, image, original);
}

fs::path FileStore::default_backup_path(const Bytes&) const {
    const fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
    return unique_timestamped_path(dir, path_.filename().string() + ".backup", ".dct");
}

} // namespace photon_dct::ops
