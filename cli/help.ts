/** The text of `nightshift --help` and `nightshift <command> --help`. */

export const COMMANDS = ['run', 'tasks', 'show', 'cancel', 'stats', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];

export function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

const STORE = `Task store
  Every command uses the same task store as the server (npm start):
  - DYNAMODB_ENDPOINT set (with TABLE_NAME, default "nightshift"): that DynamoDB endpoint;
  - otherwise, while npm start runs: its embedded store, at the address it writes to .data/endpoint,
    signed with the credential it writes to .data/store-credentials.json (readable by its user only);
  - otherwise: the embedded store under .data/dynamo, opened by the command itself (only run makes
    one where there is none; tasks, show and cancel say there is no Nightshift data here).
  Run nightshift in the project folder, or set NIGHTSHIFT_DATA_DIR to the folder holding .data's content.
  A .env file in the current folder is read first; variables already set win.

  On AWS: tasks, show, cancel and stats take --aws [--table NAME] to use the deployed table with
  your AWS credentials (the SDK's standard chain: AWS_PROFILE, ~/.aws, environment, SSO; the
  region from AWS_REGION or the profile). NAME is the stack's TableName output (default
  "nightshift"); DYNAMODB_ENDPOINT and .data are not used then.`;

export const MAIN_HELP = `nightshift: run Nightshift's coding agent locally and look at its tasks

Usage
  nightshift <command> [options]
  nightshift <command> --help        a command's options

Commands
  run <owner/repo> (--issue N | --pr N) [--instructions TEXT] [--engineer LOGIN] [--installation ID]
                                     run one task locally, through the same dispatch as a webhook,
                                     and show its progress (phase, turns, tokens, cost) until it ends
  tasks [--repo owner/name] [--limit N] [--json]
                                     recent tasks as a table: target, trigger, who, status, duration,
                                     turns, tokens, cost and pull request
  show <task-id> [--log] [--follow]  one task's record and progress log, or its session log
  cancel <task-id>                   ask a task to stop; a queued or waiting task is cancelled when
                                     it is dispatched
  stats [--repo owner/name] [--since 30d] [--json]
                                     per repository and person: tasks, pull requests opened, merged
                                     and closed, merge rate, median time to merge, spend, cost per
                                     merged pull request
  help [command]                     this help, or a command's

Options
  -h, --help                         show help
  -v, --version                      print the version
  --aws [--table NAME]               (tasks, show, cancel, stats) the deployed table on AWS

Exit status
  0 success (for run: the task succeeded), 1 failure (for run: the task failed or was cancelled),
  2 a mistake in the command line.

${STORE}

Examples
  nightshift run octo/app --issue 12
  nightshift run octo/app --pr 34 --instructions "rename the helper to parseConfig"
  nightshift tasks --repo octo/app --limit 10
  nightshift show 01JB7Z3K5Q8W9X0Y1Z2A3B4C5D
  nightshift cancel 01JB7Z3K5Q8W9X0Y1Z2A3B4C5D
  nightshift stats --since 7d --repo octo/app
  AWS_PROFILE=prod nightshift tasks --aws --table Nightshift-TasksTable1234

The status page of the running server shows the same tasks and the token spend per repository and
engineer: http://127.0.0.1:3000/status (PORT changes the port).
`;

const COMMAND_HELP: Record<CommandName, string> = {
  run: `Usage: nightshift run <owner/repo> (--issue N | --pr N) [options]

Creates a task for one issue or pull request and hands it to the same dispatch as a webhook does
(permission check, the repository's .github/nightshift.yml, one task at a time per target, the
"nightshift" check run), runs the agent in a local process and shows its progress (phase, turns,
tokens, cost) until the task ends. Then prints the outcome and the pull request's link.
Exit status: 0 when the task succeeded, 1 otherwise.

Options
  --issue N              work on issue #N: the agent fixes it in a draft pull request
  --pr N                 work on pull request #N: the agent adds commits to its branch
  --instructions TEXT    what to do, like the text after "/agent fix" (default: none; for an
                         issue, the issue itself says what to do)
  --engineer LOGIN       the responsible engineer's GitHub login (default: whoever opened the issue
                         or pull request); their permission on the repository is checked and the
                         pull request is assigned to them
  --installation ID      the GitHub App's installation id on the repository (default: asked of
                         GitHub with the App's credentials); it is the number at the end of the
                         installation's settings URL
  -h, --help             this help

Press Ctrl-C once to cancel the task (the agent stops at its next turn), twice to stop waiting.
The server side's log (dispatch, the agent process) goes to a file, named on the first line.

Needs what npm start needs: the GitHub App's APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and
WEBHOOK_SECRET, and ANTHROPIC_API_KEY.

${STORE}
`,
  tasks: `Usage: nightshift tasks [--repo owner/name] [--limit N] [--json]

Lists recent tasks, newest first: id, target (owner/repo#12 for an issue, owner/repo!34 for a pull
request), trigger, who (the responsible engineer, and who asked where that is someone else: they
are charged for the task), status, duration, turns, tokens (input, cache
included, plus output), estimated cost and the pull request's link.

Options
  --repo owner/name      only this repository's tasks
  --limit N              at most N tasks (default 20, at most 500)
  --json                 print the rows as JSON instead of a table
  -h, --help             this help

${STORE}
`,
  show: `Usage: nightshift show <task-id> [--log [--follow]] [--json]

Prints one task's record (target, status, trigger and instructions, engineer, times, usage and
cost, branch, pull request, commit, summary, error) and its progress log. With --log, its session
log instead: each turn's text and tokens, the commands it ran and the files it edited with their
results, the test runs and what was pushed (the same log as the check run's and the task page's).

Options
  --log                  print the session log
  --follow               with --log: keep printing new entries until the task ends
  --json                 print { task, log } as JSON (with --log: { task, session })
  -h, --help             this help

${STORE}
`,
  cancel: `Usage: nightshift cancel <task-id>

Asks a task to stop. A running task stops at its next turn and reports "cancelled" on its check
run. A queued or waiting task is cancelled when it is dispatched. A finished task is left as it is
(exit status 1, or 0 when it was already cancelled).

Options
  -h, --help             this help

${STORE}
`,
  stats: `Usage: nightshift stats [--repo owner/name] [--since 30d] [--json]

Per repository and per person over a period back from now: tasks (succeeded, failed, cancelled;
refusals apart), pull requests Nightshift opened, merged and closed unmerged, the merge rate
(merged of those merged or closed), the median time from a pull request's first task to its merge,
the spend and the cost per merged pull request. Per person, tasks and spend count for who asked
(the requester), pull requests for their responsible engineer.

Options
  --repo owner/name      only this repository
  --since PERIOD         how far back: 12h, 30d, 2w (default 30d); tasks created and pull
                         requests opened since then
  --json                 print the figures as JSON (mergeRate is a fraction, times in ms)
  -h, --help             this help

${STORE}
`,
  help: `Usage: nightshift help [command]

Shows the overview of every command, or one command's options.
`,
};

export function commandHelp(command: CommandName): string {
  return COMMAND_HELP[command];
}
