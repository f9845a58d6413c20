/** Options several commands share, described once. */
import { Option } from "commander";
import { loadConfig, type OrgConfig } from "../src/config/load.js";

export const configOption = (): Option =>
  new Option(
    "--config <file>",
    "the organisation's configuration (YAML; see schemas/config.schema.json)",
  ).env("SECURE_RUN_CONFIG");

export function readConfig(file: string | undefined): OrgConfig {
  return file ? loadConfig(file).config : {};
}
