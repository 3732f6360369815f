// Version of the tool, written into ledger entries and SARIF. Bump with package.json.
export const TOOL_NAME = 'trailmark';
export const TOOL_VERSION = '0.1.0';
