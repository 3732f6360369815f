import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The application configuration object.
 */
export interface AppConfig {
  /** The port the HTTP server should listen on. */
  port: number;
  /** The hostname to bind to. */
  host: string;
  /** The log level to use (e.g. "info", "debug"). */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The database connection string. */
  databaseUrl: string;
}

/**
 * The default configuration values used when a setting is not specified.
 */
const DEFAULT_CONFIG: AppConfig = {
  port: 3000,
  host: '0.0.0.0',
  logLevel: 'info',
  databaseUrl: 'postgres://localhost:5432/app',
};

/**
 * Loads the application configuration.
 *
 * The configuration is assembled from three sources, in increasing order of
 * precedence:
 *
 * 1. The built-in defaults.
 * 2. A JSON configuration file (if it exists).
 * 3. Environment variables.
 *
 * @param configPath - The path to the JSON configuration file.
 * @returns The fully resolved application configuration.
 */
export async function loadConfig(configPath = path.join(process.cwd(), 'config.json')): Promise<AppConfig> {
  // Start with a copy of the default configuration
  let config: AppConfig = { ...DEFAULT_CONFIG };

  // Try to read the configuration file from disk
  try {
    const fileContents = await readFile(configPath, 'utf-8');
    const fileConfig = JSON.parse(fileContents) as Partial<AppConfig>;

    // Merge the file configuration on top of the defaults
    config = { ...config, ...fileConfig };
  } catch (error) {
    // If the file doesn't exist, that's fine — we'll just use the defaults
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      console.warn(`Warning: Failed to read config file at ${configPath}:`, error);
    }
  }

  // Override with environment variables, if they are set
  if (process.env.PORT) {
    const parsedPort = Number.parseInt(process.env.PORT, 10);
    if (!Number.isNaN(parsedPort)) {
      config.port = parsedPort;
    }
  }
  if (process.env.HOST) {
    config.host = process.env.HOST;
  }
  if (process.env.LOG_LEVEL) {
    config.logLevel = process.env.LOG_LEVEL as AppConfig['logLevel'];
  }
  if (process.env.DATABASE_URL) {
    config.databaseUrl = process.env.DATABASE_URL;
  }

  // Return the final merged configuration
  return config;
}
