CREATE TABLE `audience_seq` (
	`audience` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `events` (
	`audience` text NOT NULL,
	`seq` integer NOT NULL,
	`created_at` integer NOT NULL,
	`payload` text NOT NULL,
	PRIMARY KEY(`audience`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `events_created` ON `events` (`created_at`);