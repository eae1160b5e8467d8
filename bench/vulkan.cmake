# Vulkan primitive kernels (matmul shapes of SmolLM2's layers).
if(TAPML_WITH_VULKAN AND TARGET tapml_backends)
  add_executable(tapml_vulkan_bench "${CMAKE_CURRENT_LIST_DIR}/vulkan_primitives_bench.cpp")
  target_link_libraries(tapml_vulkan_bench PRIVATE tapml_backends benchmark::benchmark)
  tapml_warnings(tapml_vulkan_bench)
endif()
