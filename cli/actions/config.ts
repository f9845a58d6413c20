/** The organisation's configuration as the commands' actions read it (`--config`). */
import { loadConfig, type OrgConfig } from "../../src/config/load.js";

export function readConfig(file: string | undefined): OrgConfig {
  return file ? loadConfig(file).config : {};
}
