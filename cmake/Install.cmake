# Installs velocity where a Debian user looks for each part, and packages the same tree as a .deb:
#   cmake --install build --prefix /usr/local        (or DESTDIR=... for a staging root)
#   cpack --config build/CPackConfig.cmake -G DEB    (velocity_<version>_<arch>.deb)
# Frameworks and report templates are compiled into the binary, so nothing else is needed at
# run time.
include(GNUInstallDirs)

install(TARGETS velocity RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Man pages and completions are generated from the command definitions (velocity __generate) and
# committed under man/ and completions/.
file(GLOB velocity_man_pages CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/man/*.1")
install(FILES ${velocity_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# Each shell finds these by itself, without a line in the user's rc file.
set(velocity_completions "${PROJECT_SOURCE_DIR}/completions")
if(EXISTS "${velocity_completions}/velocity.bash")
  install(FILES "${velocity_completions}/velocity.bash"
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME velocity)
endif()
if(EXISTS "${velocity_completions}/_velocity")
  install(FILES "${velocity_completions}/_velocity"
          DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
endif()
if(EXISTS "${velocity_completions}/velocity.fish")
  install(FILES "${velocity_completions}/velocity.fish"
          DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
endif()

install(FILES README.md ARCHITECTURE.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME velocity)
set(CPACK_PACKAGE_VENDOR "the velocity authors")
set(CPACK_PACKAGE_CONTACT "velocity maintainers <velocity@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "compliance toolkit: assessments, cloud evidence, audit trail, signed reports")
set(CPACK_PACKAGE_DESCRIPTION
    "velocity answers SOC 2, ISO 27001, HIPAA, PCI DSS and GDPR self-assessments in the terminal,\n\
collects evidence from AWS, GCP, Azure and GitHub with signed requests, keeps a tamper-evident\n\
audit trail, and writes reports and signed bundles that an auditor verifies offline.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends is computed from the binary's shared libraries by dpkg-shlibdeps, never typed here.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "chromium")
set(CPACK_GENERATOR DEB)
include(CPack)
