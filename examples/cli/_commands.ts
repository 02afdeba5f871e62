import type { Command } from "./_command.ts";
import { cacheCommand } from "./cache_command.ts";
import { demoDataCommand } from "./demo_data_command.ts";
import { embedCommand } from "./embed_command.ts";
import { evalCommand } from "./eval_command.ts";
import { exportTorchCommand } from "./export_torch_command.ts";
import { finetuneCommand } from "./finetune_command.ts";
import { importTorchCommand } from "./import_torch_command.ts";
import { matchCommand } from "./match_command.ts";
import { trainCommand } from "./train_command.ts";

/** Every subcommand, in help order. */
export const COMMANDS: Command[] = [
  trainCommand,
  finetuneCommand,
  cacheCommand,
  embedCommand,
  matchCommand,
  evalCommand,
  importTorchCommand,
  exportTorchCommand,
  demoDataCommand,
];
