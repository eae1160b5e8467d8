// The table of a migration's steps (ops offloaded, end-to-end error, tokens
// identical, time) as text, JSON and a self-contained HTML page.
#pragma once

#include <string>

#include "migrate/migration/migration.h"

namespace tapml::migrate {

std::string steps_text(const MigrationResult& result);
std::string steps_json(const MigrationResult& result);
std::string steps_html(const MigrationResult& result);

}  // namespace tapml::migrate
