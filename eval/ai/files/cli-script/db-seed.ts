import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';

const USERS = 50;
const POSTS_PER_USER = 5;

const FIRST_NAMES = ['Ada', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Allen'];

function pick<T>(items: T[], i: number): T {
  return items[i % items.length]!;
}

async function seed() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('TRUNCATE posts, users RESTART IDENTITY CASCADE');

    for (let i = 0; i < USERS; i++) {
      const userId = randomUUID();
      const name = `${pick(FIRST_NAMES, i)} ${pick(LAST_NAMES, i * 3)}`;
      const email = `${name.toLowerCase().replace(' ', '.')}.${i}@example.com`;
      await client.query('INSERT INTO users (id, name, email) VALUES ($1, $2, $3)', [userId, name, email]);

      for (let j = 0; j < POSTS_PER_USER; j++) {
        await client.query('INSERT INTO posts (id, author_id, title, body) VALUES ($1, $2, $3, $4)', [
          randomUUID(),
          userId,
          `Post ${j + 1} by ${name}`,
          `This is sample post number ${j + 1}.`,
        ]);
      }
    }

    await client.query('COMMIT');
    console.log(`Seeded ${USERS} users and ${USERS * POSTS_PER_USER} posts.`);
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
    await pool.end();
  }
}

seed().catch((err) => {
  console.error('Seeding failed:', err);
  process.exit(1);
});
