import type { Command } from "./_command.ts";
import { demoDataCommand } from "./demo_data_command.ts";

/** Every subcommand, in help order. */
export const COMMANDS: Command[] = [demoDataCommand];
