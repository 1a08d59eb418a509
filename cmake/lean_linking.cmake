# How the apps link their logging (spdlog on fmt) and TOML (toml++) libraries, and how the
# lean client is laid out.
# The full build uses Debian's shared libraries. The lean client (CMDLINK_CLIENT_ONLY) carries
# what it uses of them, and of libstdc++, in its own binary, built for size, with the code a
# session runs packed together. Each page of a mapped file that a process touches brings its
# neighbours into its RSS (the kernel maps up to 64 KB around a fault), so shared C++
# libraries and hot code spread over a whole binary cost far more than the code that runs:
# this is what brings the lean client from 1.47x the bare libmosquitto client's peak RSS to
# below it (BENCHMARKS.md, "Footprint"). The device's package then needs nothing beside libc
# and libmosquitto.
add_library(cmdlink_logging INTERFACE)
add_library(cmdlink_toml INTERFACE)
if(NOT CMDLINK_CLIENT_ONLY)
  target_link_libraries(cmdlink_logging INTERFACE spdlog::spdlog)
  target_link_libraries(cmdlink_toml INTERFACE tomlplusplus::tomlplusplus)
  return()
endif()

get_target_property(cmdlink_spdlog_includes spdlog::spdlog_header_only
                    INTERFACE_INCLUDE_DIRECTORIES)
target_include_directories(cmdlink_logging SYSTEM INTERFACE ${cmdlink_spdlog_includes})
target_compile_definitions(cmdlink_logging INTERFACE SPDLOG_FMT_EXTERNAL)
target_link_libraries(cmdlink_logging INTERFACE fmt::fmt-header-only Threads::Threads)

get_target_property(cmdlink_toml_includes tomlplusplus::tomlplusplus
                    INTERFACE_INCLUDE_DIRECTORIES)
target_include_directories(cmdlink_toml SYSTEM INTERFACE ${cmdlink_toml_includes})
target_compile_definitions(cmdlink_toml INTERFACE TOML_HEADER_ONLY=1)

# Each function in a section of its own, so that the linker drops what nothing calls and
# gold can place what a session runs side by side.
add_compile_options(-Os -ffunction-sections -fdata-sections)
add_link_options(-static-libstdc++ -static-libgcc LINKER:--gc-sections LINKER:--as-needed)

# A position-dependent binary needs no relocations of its own at start-up: 170 KB less peak
# RSS (BENCHMARKS.md). Its code then loads at a fixed address; libraries, heap and stack are
# still randomized. ON restores Debian's default.
option(CMDLINK_LEAN_PIE "Build the lean client as a position-independent executable" OFF)
if(NOT CMDLINK_LEAN_PIE)
  add_compile_options(-fno-pie)
  add_link_options(-no-pie)
endif()

# cmake/lean_client.order lists the sections a session runs, in the order it runs them
# (written by bench/hot_sections.sh from callgrind profiles). Only gold reads such a list;
# binutils has it on every architecture Debian cross-builds for. Without it the client works
# the same, with a larger footprint.
include(CheckLinkerFlag)
check_linker_flag(CXX "-fuse-ld=gold" cmdlink_linker_gold)
set(cmdlink_lean_order ${PROJECT_SOURCE_DIR}/cmake/lean_client.order)
if(cmdlink_linker_gold)
  add_link_options(-fuse-ld=gold "LINKER:--section-ordering-file,${cmdlink_lean_order}")
else()
  message(WARNING "gold (ld.gold, Debian's binutils) not found: the lean client is linked "
                  "without its section order, and its peak RSS is higher")
  set(cmdlink_lean_order "")
endif()
