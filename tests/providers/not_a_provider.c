/* A shared library that is not a TapML provider (no tapml_provider_get):
 * loading it as a target must be refused with one line. */
int tapml_test_not_a_provider(void);
int tapml_test_not_a_provider(void) { return 0; }
