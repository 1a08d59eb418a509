# What `cmake --install` puts where (README, "Installing"). The binary finds the login plugin
# at <prefix>/lib/cmdlink (src/broker/roster_setup.cpp), so that path is fixed, not LIBDIR.
include(GNUInstallDirs)

install(TARGETS cmdlink RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(NOT CMDLINK_CLIENT_ONLY)
  install(TARGETS cmdlink_auth LIBRARY DESTINATION lib/cmdlink)
  install(FILES docs/PROTOCOL.md docs/crash-safety.md docs/grading.md docs/isolation.md
                docs/json-events.md docs/live-view.md docs/scale-out.md
          DESTINATION ${CMAKE_INSTALL_DOCDIR})
  # The service (README, "Running the server as a service"): the unit where systemd looks for
  # a package's units; the example config and the logrotate rule as examples to copy to /etc.
  install(FILES packaging/systemd/cmdlink-server.service DESTINATION lib/systemd/system)
  install(FILES packaging/server.toml.example packaging/logrotate/cmdlink-server
          DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
endif()
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The commands whose man pages and completion this binary carries.
if(CMDLINK_CLIENT_ONLY)
  set(cmdlink_commands client completion)
else()
  set(cmdlink_commands client server demo bench results broker-config completion)
endif()

if(CMDLINK_MAN_PAGES)
  find_program(HELP2MAN_EXECUTABLE help2man)
  if(NOT HELP2MAN_EXECUTABLE)
    message(FATAL_ERROR "help2man not found: install Debian's help2man (scripts/run does), or "
                        "configure with -DCMDLINK_MAN_PAGES=OFF for no man pages")
  endif()
  # The binary as help2man and the completion run it: itself, or under the cross build's
  # emulator through a wrapper (help2man takes one program).
  set(cmdlink_program $<TARGET_FILE:cmdlink>)
  if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR)
    set(cmdlink_program ${PROJECT_BINARY_DIR}/cmdlink-emulated)
    list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " cmdlink_emulator)
    file(GENERATE OUTPUT ${cmdlink_program}
         CONTENT "#!/bin/sh\nexec ${cmdlink_emulator} \"$<TARGET_FILE:cmdlink>\" \"$@\"\n"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                          WORLD_READ WORLD_EXECUTE)
  endif()
  set(man_directory ${PROJECT_BINARY_DIR}/man)
  set(man_pages ${man_directory}/cmdlink.1)
  add_custom_command(
    OUTPUT ${man_directory}/cmdlink.1
    COMMAND ${CMAKE_COMMAND} -E make_directory ${man_directory}
    COMMAND ${HELP2MAN_EXECUTABLE} --no-info --no-discard-stderr --section=1
            --version-string=${PROJECT_VERSION} --source=cmdlink --manual=cmdlink
            --name=MQTT\ login-and-command\ exchange --output=${man_directory}/cmdlink.1
            ${cmdlink_program}
    DEPENDS cmdlink
    VERBATIM)
  foreach(command IN LISTS cmdlink_commands)
    add_custom_command(
      OUTPUT ${man_directory}/cmdlink-${command}.1
      COMMAND ${CMAKE_COMMAND} -E make_directory ${man_directory}
      COMMAND ${HELP2MAN_EXECUTABLE} --no-info --no-discard-stderr --section=1
              --version-string=${PROJECT_VERSION} --source=cmdlink --manual=cmdlink
              "--help-option=${command} --help" --name=cmdlink\ ${command}
              --output=${man_directory}/cmdlink-${command}.1 ${cmdlink_program}
      DEPENDS cmdlink
      VERBATIM)
    list(APPEND man_pages ${man_directory}/cmdlink-${command}.1)
  endforeach()

  set(completion_file ${PROJECT_BINARY_DIR}/completion/cmdlink)
  add_custom_command(
    OUTPUT ${completion_file}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/completion
    COMMAND sh -c "\"$1\" completion bash > \"$2\"" completion ${cmdlink_program}
            ${completion_file}
    DEPENDS cmdlink
    VERBATIM)
  add_custom_target(cmdlink_docs ALL DEPENDS ${man_pages} ${completion_file})
  install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES ${completion_file} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
endif()
