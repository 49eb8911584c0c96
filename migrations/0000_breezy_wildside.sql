CREATE TABLE `delivery_audit_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`zone_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`timestamp` text NOT NULL,
	`event_type` text NOT NULL,
	`actor_id` text,
	`actor_type` text,
	`details` text NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_delivery_version` ON `delivery_audit_logs` (`delivery_id`,`version`);--> statement-breakpoint
CREATE INDEX `audit_org_delivery` ON `delivery_audit_logs` (`org_id`,`delivery_id`);--> statement-breakpoint
CREATE TABLE `directory` (
	`org_id` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`zone_id` text NOT NULL,
	`entity_id` text NOT NULL,
	PRIMARY KEY(`org_id`, `kind`, `ref`)
);
--> statement-breakpoint
CREATE TABLE `driver_availability_history` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`zone_id` text NOT NULL,
	`driver_id` text NOT NULL,
	`from_state` text NOT NULL,
	`to_state` text NOT NULL,
	`reason` text,
	`actor_id` text,
	`actor_type` text NOT NULL,
	`timestamp` text NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `history_driver_version` ON `driver_availability_history` (`driver_id`,`version`);--> statement-breakpoint
CREATE INDEX `history_org_driver` ON `driver_availability_history` (`org_id`,`driver_id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`org_id` text NOT NULL,
	`caller_id` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`status` integer NOT NULL,
	`body` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `caller_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_created` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `zones` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`polygon` text NOT NULL,
	`priority_level` integer NOT NULL,
	`min_drivers_online` integer NOT NULL,
	`target_wait_time_seconds` integer NOT NULL,
	`timezone` text NOT NULL,
	`settings` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `zones_org` ON `zones` (`org_id`,`created_at`);