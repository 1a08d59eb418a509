# `cpack` in a build directory makes a Debian package of what `cmake --install` installs
# (scripts/run package builds it and installs it into a fresh Debian root to test it). The
# full build is package `cmdlink`, the lean build (CMDLINK_CLIENT_ONLY) `cmdlink-client`; both
# hold /usr/bin/cmdlink, so each conflicts with the other.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_VENDOR "cmdlink")
set(CPACK_PACKAGE_CONTACT "cmdlink maintainers <cmdlink@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/cmdlink/cmdlink")
# A cross build's package is for its target (CMDLINK_DEBIAN_ARCHITECTURE, set by the toolchain
# files in cmake/toolchain); CPack would otherwise name the build machine's.
if(CMAKE_CROSSCOMPILING)
  if(NOT CMDLINK_DEBIAN_ARCHITECTURE)
    message(FATAL_ERROR "a cross build needs CMDLINK_DEBIAN_ARCHITECTURE (e.g. arm64) for its "
                        "package: use a toolchain file of cmake/toolchain")
  endif()
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${CMDLINK_DEBIAN_ARCHITECTURE})
endif()
# The shared libraries' packages, from dpkg-shlibdeps (Debian's dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(CMDLINK_CLIENT_ONLY)
  set(CPACK_PACKAGE_NAME cmdlink-client)
  set(CPACK_DEBIAN_PACKAGE_CONFLICTS cmdlink)
  set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
      "MQTT login-and-command exchange: the device's client alone")
  set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
      "cmdlink client logs in with a user ID, receives a session ID, answers the server's\n"
      "commands at their QoS and ends on \"Well done my IoT!\". This package is the lean\n"
      "build for a Raspberry Pi or a student's laptop: no server, ledger or broker tools.")
else()
  set(CPACK_PACKAGE_NAME cmdlink)
  set(CPACK_DEBIAN_PACKAGE_CONFLICTS cmdlink-client)
  # demo and broker-config start or configure a local Mosquitto; a server elsewhere needs none.
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS mosquitto)
  set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
      "MQTT login-and-command exchange: client, server, grading and broker setup")
  set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
      "A device logs in with its ID, receives a session ID, answers a stream of commands\n"
      "and is told \"Well done my IoT!\". cmdlink has the client, the issuing server with\n"
      "its SQLite ledger, a demo, a benchmark, a grade sheet and the broker setup for a\n"
      "course roster.")
endif()
# CPack puts the summary first and indents each line of the text below it; verbatim, the
# quotes in the text reach the package as they are.
string(JOIN "" CPACK_DEBIAN_PACKAGE_DESCRIPTION ${CPACK_DEBIAN_PACKAGE_DESCRIPTION})
set(CPACK_VERBATIM_VARIABLES ON)
include(CPack)
