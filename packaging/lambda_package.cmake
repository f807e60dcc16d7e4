# Builds one Lambda package (cmake -P): the statically linked EXECUTABLE, stripped, as `bootstrap`
# at the root of ZIP. Variables: EXECUTABLE, ZIP, STAGING_DIR, STRIP.
cmake_minimum_required(VERSION 3.25)

# A dynamically linked executable would need a loader and libraries the package does not carry.
file(GET_RUNTIME_DEPENDENCIES EXECUTABLES ${EXECUTABLE} RESOLVED_DEPENDENCIES_VAR libraries
     UNRESOLVED_DEPENDENCIES_VAR unresolved)
if(libraries OR unresolved)
  message(FATAL_ERROR "${EXECUTABLE} needs shared libraries (${libraries} ${unresolved}); "
                      "a Lambda package carries a statically linked executable only")
endif()

file(REMOVE_RECURSE ${STAGING_DIR})
file(MAKE_DIRECTORY ${STAGING_DIR})
file(COPY_FILE ${EXECUTABLE} ${STAGING_DIR}/bootstrap)
execute_process(COMMAND ${STRIP} --strip-all ${STAGING_DIR}/bootstrap RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cannot strip ${STAGING_DIR}/bootstrap")
endif()
file(CHMOD ${STAGING_DIR}/bootstrap PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
     GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

file(REMOVE ${ZIP})
get_filename_component(zip_dir ${ZIP} DIRECTORY)
file(MAKE_DIRECTORY ${zip_dir})
# A fixed time stamp: the same executable gives the same bytes, so an unchanged package keeps its
# hash (scripts/deploy.sh names the uploaded package by it).
execute_process(COMMAND ${CMAKE_COMMAND} -E tar cf ${ZIP} --format=zip
                        "--mtime=2000-01-01 00:00:00 UTC" bootstrap
                WORKING_DIRECTORY ${STAGING_DIR} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cannot write ${ZIP}")
endif()
file(SIZE ${ZIP} zip_size)
math(EXPR zip_kib "${zip_size} / 1024")
message(STATUS "${ZIP}: ${zip_kib} KiB")
