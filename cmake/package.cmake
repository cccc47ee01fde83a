# Installing rtparchive: librtparchive (static and shared) with its public
# headers, a CMake package and a pkg-config file; the rtparchive command; the
# manifest's JSON Schema; the node's systemd unit and an example config. CPack
# makes a Debian package of the same files.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The stages a recording node links, from base/ up to archive/; replay,
# inspect and the node stay inside the command.
set(RTPARCHIVE_LIBRARY_STAGES rtparchive_base rtparchive_rtp rtparchive_reorder rtparchive_codec
    rtparchive_sdp rtparchive_timing rtparchive_container rtparchive_archive)
set(stage_objects)
foreach(stage IN LISTS RTPARCHIVE_LIBRARY_STAGES)
  list(APPEND stage_objects $<TARGET_OBJECTS:${stage}>)
endforeach()
# Abseil targets the public headers need, and the ones the code inside uses.
set(RTPARCHIVE_ABSL_PUBLIC absl::status absl::statusor absl::strings absl::span)
set(RTPARCHIVE_ABSL_PRIVATE absl::str_format absl::synchronization absl::flat_hash_map)

add_library(rtparchive_shared SHARED ${stage_objects})
add_library(rtparchive_static STATIC ${stage_objects})
set_target_properties(rtparchive_shared PROPERTIES OUTPUT_NAME rtparchive EXPORT_NAME rtparchive
                      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
set_target_properties(rtparchive_static PROPERTIES OUTPUT_NAME rtparchive EXPORT_NAME rtparchive_static)
foreach(library rtparchive_shared rtparchive_static)
  target_include_directories(${library} INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # Not used in this tree: only the installed package carries these.
  target_link_libraries(${library} INTERFACE $<INSTALL_INTERFACE:${RTPARCHIVE_ABSL_PUBLIC}>)
endforeach()
# The build links the command with Abseil's static archives (CMakeLists.txt);
# the shared library takes Abseil's shared objects instead, so a program
# using both has one copy of Abseil. --as-needed keeps only those it calls.
target_link_libraries(rtparchive_shared PRIVATE Matroska::matroska EBML::ebml ${WEBM_PARSER_LIBRARY}
                      ZLIB::ZLIB ${LIBDEFLATE_LIBRARY} Threads::Threads
                      -Wl,--as-needed ${RTPARCHIVE_ABSL_SHARED_LIBRARIES} -Wl,--no-as-needed)
# Every symbol resolved at link time; sanitizer builds leave their runtime's
# symbols to the program that loads the library.
if(NOT RTPARCHIVE_SANITIZE AND NOT RTPARCHIVE_TSAN AND NOT RTPARCHIVE_FUZZ)
  target_link_options(rtparchive_shared PRIVATE -Wl,--no-undefined)
endif()
target_link_libraries(rtparchive_static INTERFACE
  $<INSTALL_INTERFACE:${RTPARCHIVE_ABSL_PRIVATE};Matroska::matroska;EBML::ebml;webm;ZLIB::ZLIB;deflate;Threads::Threads>)

install(TARGETS rtparchive_shared rtparchive_static EXPORT rtparchiveTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/rtparchive DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS rtparchive_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/rtparchive)
install(EXPORT rtparchiveTargets NAMESPACE rtparchive:: DESTINATION ${config_dir})
configure_package_config_file(cmake/rtparchiveConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/rtparchiveConfig.cmake INSTALL_DESTINATION ${config_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/rtparchiveConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/rtparchiveConfig.cmake
              ${PROJECT_BINARY_DIR}/package/rtparchiveConfigVersion.cmake DESTINATION ${config_dir})

string(REPLACE "absl::" "absl_" RTPARCHIVE_PC_REQUIRES "${RTPARCHIVE_ABSL_PUBLIC}")
string(REPLACE ";" ", " RTPARCHIVE_PC_REQUIRES "${RTPARCHIVE_PC_REQUIRES}")
string(REPLACE "absl::" "absl_" RTPARCHIVE_PC_REQUIRES_PRIVATE "${RTPARCHIVE_ABSL_PRIVATE}")
string(REPLACE ";" ", " RTPARCHIVE_PC_REQUIRES_PRIVATE
       "${RTPARCHIVE_PC_REQUIRES_PRIVATE};libmatroska;libebml;zlib;libdeflate")
configure_file(cmake/rtparchive.pc.in ${PROJECT_BINARY_DIR}/package/rtparchive.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/package/rtparchive.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

set(share_dir ${CMAKE_INSTALL_DATADIR}/rtparchive)
install(FILES manifest_schema/manifest.schema.json packaging/node.json.example DESTINATION ${share_dir})
# The unit names the binary where this install put it, so it is written at
# install time (CPack installs under another prefix than the build's).
install(CODE "
  set(RTPARCHIVE_BIN_DIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(RTPARCHIVE_SHARE_DIR \"\${CMAKE_INSTALL_PREFIX}/${share_dir}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/packaging/rtparchive.service.in\"
                 \"${PROJECT_BINARY_DIR}/package/rtparchive.service\" @ONLY)
  file(INSTALL \"${PROJECT_BINARY_DIR}/package/rtparchive.service\"
       DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
")

# cpack -G DEB in the build folder: rtparchive_<version>_amd64.deb.
set(CPACK_PACKAGE_NAME rtparchive)
set(CPACK_PACKAGE_VENDOR "rtparchive")
set(CPACK_PACKAGE_CONTACT "rtparchive developers <rtparchive@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Records video sessions as individual stream archives, from RTP, without re-encoding")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Installed under DESTDIR with the real prefix, so the unit names /usr/bin.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
