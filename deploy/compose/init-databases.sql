-- One database per service (each owns its tables and migrations).
CREATE DATABASE holdout_gateway;
CREATE DATABASE holdout_orchestrator;
CREATE DATABASE holdout_scorer;
CREATE DATABASE holdout_leaderboard;
