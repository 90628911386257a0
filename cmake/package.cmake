# The Debian package: `cmake --build build --target package` (or `cpack -G DEB` in the build
# directory) makes photon-dct_<version>_<arch>.deb with the same layout as `cmake --install`
# under /usr. Only what install() rules name goes in: the tool, its man page, udev rules,
# completions and Particle's public keys; the emulator and the tests have no install() rules.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME photon-dct)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT "photon-dct maintainers <maintainers@users.noreply.r-seed-dc44d819.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "inspect and repair the DCT of Particle Photon/P1/Electron units")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # photon-dct_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION electronics)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Runtime Depends from the shared libraries the binary links (dpkg-shlibdeps), not a hand list.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS udev)
# The extended description (the synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY); lines under 80
# characters for lintian.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "photon-dct reads the device configuration table (DCT) of Particle Photon,
P1 and Electron units in DFU mode over USB, decodes the cloud server key and
address and the device keys, says what the unit's Device OS will do with
them, and repairs them: a backup first, exactly one write, and a read-back
check. It also works on DCT image files. Output is text or one JSON
document, for scripts and factory stations.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_LIST_DIR}/debian/postinst
  ${CMAKE_CURRENT_LIST_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# /usr/share/doc/photon-dct: copyright (Debian policy 12.5) and a compressed changelog (12.7).
set(PHOTON_DCT_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/photon-dct)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/changelog.gz
  COMMAND gzip -9n -c ${CMAKE_CURRENT_LIST_DIR}/debian/changelog > ${CMAKE_BINARY_DIR}/changelog.gz
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/debian/changelog VERBATIM)
add_custom_target(photon-dct-changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/changelog.gz)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/copyright DESTINATION ${PHOTON_DCT_DOCDIR})
install(FILES ${CMAKE_BINARY_DIR}/changelog.gz DESTINATION ${PHOTON_DCT_DOCDIR})

include(CPack)
