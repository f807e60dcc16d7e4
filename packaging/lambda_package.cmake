# Builds one Lambda package (cmake -P): EXECUTABLE becomes `bootstrap`, stripped, with its
# interpreter and library search path pointing into /var/task/lib, where Lambda unpacks lib/.
# Variables: EXECUTABLE, ZIP, STAGING_DIR, PATCHELF, STRIP.
cmake_minimum_required(VERSION 3.25)

# Lambda unpacks a package at /var/task. Absolute paths, not $ORIGIN: the loader resolves $ORIGIN
# through /proc, which a minimal root may not have.
set(task_lib /var/task/lib)

if(NOT PATCHELF)
  message(FATAL_ERROR "patchelf is required to package the Lambda functions (apt-get install patchelf)")
endif()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status ERROR_VARIABLE error OUTPUT_VARIABLE output
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed: ${error}")
  endif()
  set(run_output "${output}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${STAGING_DIR})
file(MAKE_DIRECTORY ${STAGING_DIR}/lib)

# The dynamic loader, under its own name, and every library the executable needs, each under
# the soname the loader will ask for.
run(${PATCHELF} --print-interpreter ${EXECUTABLE})
set(interpreter ${run_output})
get_filename_component(interpreter_name ${interpreter} NAME)
file(REAL_PATH ${interpreter} interpreter_file)
file(COPY_FILE ${interpreter_file} ${STAGING_DIR}/lib/${interpreter_name})

file(GET_RUNTIME_DEPENDENCIES
     EXECUTABLES ${EXECUTABLE}
     RESOLVED_DEPENDENCIES_VAR libraries
     UNRESOLVED_DEPENDENCIES_VAR unresolved
     PRE_EXCLUDE_REGEXES "^linux-vdso")
if(unresolved)
  message(FATAL_ERROR "${EXECUTABLE}: cannot find ${unresolved}")
endif()
foreach(library ${libraries})
  get_filename_component(soname ${library} NAME)
  if(soname STREQUAL interpreter_name)
    continue()
  endif()
  file(REAL_PATH ${library} library_file)
  file(COPY_FILE ${library_file} ${STAGING_DIR}/lib/${soname})
  run(${STRIP} --strip-unneeded ${STAGING_DIR}/lib/${soname})
  # A library's own RUNPATH would stop the search at the executable's RPATH for its dependencies.
  run(${PATCHELF} --print-rpath ${STAGING_DIR}/lib/${soname})
  if(run_output)
    run(${PATCHELF} --remove-rpath ${STAGING_DIR}/lib/${soname})
  endif()
endforeach()

file(COPY_FILE ${EXECUTABLE} ${STAGING_DIR}/bootstrap)
run(${STRIP} --strip-all ${STAGING_DIR}/bootstrap)
# DT_RPATH rather than DT_RUNPATH: it is searched before LD_LIBRARY_PATH, which Lambda points at
# the system's /lib64, and it also serves the bundled libraries' own dependencies.
run(${PATCHELF} --set-interpreter ${task_lib}/${interpreter_name} --force-rpath --set-rpath
    ${task_lib} ${STAGING_DIR}/bootstrap)
file(CHMOD ${STAGING_DIR}/bootstrap PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
     GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

file(REMOVE ${ZIP})
get_filename_component(zip_dir ${ZIP} DIRECTORY)
file(MAKE_DIRECTORY ${zip_dir})
file(GLOB bundled RELATIVE ${STAGING_DIR} ${STAGING_DIR}/lib/*)
# A fixed time stamp: the same build gives the same bytes, so an unchanged package keeps its hash.
execute_process(COMMAND ${CMAKE_COMMAND} -E tar cf ${ZIP} --format=zip "--mtime=2000-01-01 00:00:00 UTC"
                        bootstrap ${bundled}
                WORKING_DIRECTORY ${STAGING_DIR} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cannot write ${ZIP}")
endif()
file(SIZE ${ZIP} zip_size)
math(EXPR zip_kib "${zip_size} / 1024")
message(STATUS "${ZIP}: ${zip_kib} KiB")
