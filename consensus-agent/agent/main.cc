// pgledger-agent: one consensus replica. Usage: pgledger-agent --config FILE
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "agent/agent.h"

int main(int argc, char** argv) {
    CLI::App app{"pgledger consensus agent: orders ledger transactions among n = 3f+1 organisations"};
    std::string config_path;
    std::string log_level;
    app.add_option("--config", config_path, "TOML configuration file of this node")
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option("--log-level", log_level, "Overrides node.log_level (trace, debug, info, warn, error)");
    CLI11_PARSE(app, argc, argv);
    try {
        pgledger::agent::AgentConfig config = pgledger::agent::load_config(config_path);
        if (!log_level.empty())
            config.log_level = log_level;
        spdlog::set_level(spdlog::level::from_str(config.log_level));
        spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e [%l] [replica " + std::to_string(config.id) + "] %v");
        pgledger::agent::Agent agent(std::move(config));
        agent.run();
    } catch (const std::exception& error) {
        spdlog::critical("{}", error.what());
        return 1;
    }
    return 0;
}
