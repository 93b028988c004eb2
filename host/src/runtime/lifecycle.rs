//! Pause, resume, stop and restart: the target states and restarts of
//! Apache Kafka Connect (KIP-745 restarts, KIP-875 STOPPED).

use std::sync::Arc;

use super::info::ConnectorStateInfo;
use super::worker::{Running, Worker, WorkerError};
use crate::storage::{State, TargetState};

/// What `POST /connectors/{name}/restart` restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RestartRequest {
    /// `includeTasks`: restart the tasks too.
    pub include_tasks: bool,
    /// `onlyFailed`: restart only what is FAILED.
    pub only_failed: bool,
}

impl RestartRequest {
    /// Without either flag only the connector instance restarts and the
    /// answer is 204, as before KIP-745.
    pub fn connector_only(&self) -> bool {
        !self.include_tasks && !self.only_failed
    }
}

impl Worker {
    /// `PUT /connectors/{name}/pause`: tasks keep their resources but move
    /// no records; sink consumers stay in their group with paused
    /// partitions. A STOPPED connector is started, paused.
    pub async fn pause(&self, name: &str) -> Result<(), WorkerError> {
        self.set_target(name, TargetState::Paused).await
    }

    /// `PUT /connectors/{name}/resume`: from PAUSED, tasks carry on where
    /// they were; from STOPPED, the connector and its tasks start.
    pub async fn resume(&self, name: &str) -> Result<(), WorkerError> {
        self.set_target(name, TargetState::Started).await
    }

    /// `PUT /connectors/{name}/stop`: tasks are stopped (committing what
    /// they did) and removed, the connector instance too; the
    /// configuration is kept.
    pub async fn stop(&self, name: &str) -> Result<(), WorkerError> {
        self.set_target(name, TargetState::Stopped).await
    }

    async fn set_target(&self, name: &str, target: TargetState) -> Result<(), WorkerError> {
        let stored = self.stored(name)?;
        let mut running = self.running.lock().await;
        self.shared.configs.put_target_state(name, target)?;
        let current = running.remove(name).unwrap_or_default();
        let was_stopped = stored.target_state == TargetState::Stopped;
        let next = match target {
            TargetState::Stopped => {
                self.stop_running(name, current).await;
                self.shared.configs.put_task_configs(name, Vec::new());
                self.shared.statuses.remove_tasks(name);
                self.shared.set_connector(name, State::Stopped, None);
                Running::default()
            }
            _ if was_stopped || current.template.is_none() => {
                // Nothing runs (STOPPED, or it failed to start): start it
                // in the new target state.
                self.stop_running(name, current).await;
                let mut stored = stored;
                stored.target_state = target;
                match self.start_checked(name, &stored).await {
                    Ok(r) => r,
                    Err(e) => {
                        self.shared
                            .set_connector(name, State::Failed, Some(e.to_string()));
                        Running::default()
                    }
                }
            }
            _ => {
                for task in &current.tasks {
                    let _ = task.control.send(target);
                }
                let state = match target {
                    TargetState::Paused => State::Paused,
                    _ => State::Running,
                };
                self.shared.set_connector(name, state, None);
                current
            }
        };
        running.insert(name.to_owned(), next);
        tracing::info!(connector = %name, target = ?target, "Changed the connector's target state");
        Ok(())
    }

    /// `POST /connectors/{name}/restart` without flags: restart the
    /// connector instance; its tasks restart only if the task
    /// configurations it returns changed (or it had none running).
    pub async fn restart_connector(&self, name: &str) -> Result<(), WorkerError> {
        let stored = self.stored(name)?;
        let mut running = self.running.lock().await;
        let mut current = running.remove(name).unwrap_or_default();
        let next = self
            .restart_instance(name, &stored, &mut current, false)
            .await;
        running.insert(name.to_owned(), next);
        Ok(())
    }

    /// `POST /connectors/{name}/restart?includeTasks=&onlyFailed=`: mark
    /// what will restart as RESTARTING, answer with that status, and
    /// restart in the background (KIP-745).
    pub async fn restart_connector_and_tasks(
        self: &Arc<Self>,
        name: &str,
        request: RestartRequest,
    ) -> Result<ConnectorStateInfo, WorkerError> {
        let stored = self.stored(name)?;
        let status = self.connector_status(name)?;
        let failed = |s: State| s == State::Failed;
        let connector = !request.only_failed || failed(status.connector.state);
        let tasks: Vec<u32> = if request.include_tasks {
            status
                .tasks
                .iter()
                .filter(|t| !request.only_failed || failed(t.status.state))
                .map(|t| t.id)
                .collect()
        } else {
            Vec::new()
        };
        if stored.target_state != TargetState::Stopped {
            if connector {
                self.shared.set_connector(name, State::Restarting, None);
            }
            for id in &tasks {
                self.shared.set_task(name, *id, State::Restarting, None);
            }
        }
        let answer = self.connector_status(name)?;
        if stored.target_state == TargetState::Stopped {
            // A STOPPED connector has nothing to restart.
            return Ok(answer);
        }
        let worker = self.clone();
        let name = name.to_owned();
        tokio::spawn(async move {
            let mut running = worker.running.lock().await;
            let mut current = running.remove(&name).unwrap_or_default();
            if connector {
                current = worker
                    .restart_instance(&name, &stored, &mut current, !tasks.is_empty())
                    .await;
            }
            // With the instance, its tasks were restarted already.
            if !connector {
                for id in &tasks {
                    worker
                        .restart_one_task(&name, &mut current, *id, stored.target_state)
                        .await;
                }
            }
            running.insert(name, current);
        });
        Ok(answer)
    }

    /// `POST /connectors/{name}/tasks/{id}/restart`.
    pub async fn restart_task(&self, name: &str, id: u32) -> Result<(), WorkerError> {
        let stored = self.stored(name)?;
        let mut running = self.running.lock().await;
        let mut current = running.remove(name).unwrap_or_default();
        let known = current
            .template
            .as_ref()
            .is_some_and(|t| (id as usize) < t.task_configs.len());
        if known {
            self.restart_one_task(name, &mut current, id, stored.target_state)
                .await;
        }
        running.insert(name.to_owned(), current);
        if known {
            Ok(())
        } else {
            Err(WorkerError::TaskNotFound(name.to_owned(), id))
        }
    }

    /// Stop task `id` (committing what it did) and start it again from the
    /// same configuration.
    async fn restart_one_task(
        &self,
        name: &str,
        current: &mut Running,
        id: u32,
        target: TargetState,
    ) {
        let Some(template) = current.template.clone() else {
            return;
        };
        if let Some(pos) = current.tasks.iter().position(|t| t.id == id) {
            let task = current.tasks.remove(pos);
            self.stop_tasks(name, vec![task]).await;
        }
        self.shared.set_task(name, id, State::Restarting, None);
        if let Some(task) = self.spawn_task(&template, id, target) {
            current.tasks.push(task);
            current.tasks.sort_by_key(|t| t.id);
        }
        tracing::info!(connector = %name, task = id, "Restarted task");
    }

    /// Restart the connector instance. Tasks restart when `with_tasks`,
    /// when the task configurations changed, or when none were running;
    /// otherwise they carry on untouched.
    pub(super) async fn restart_instance(
        &self,
        name: &str,
        stored: &crate::storage::StoredConnector,
        current: &mut Running,
        with_tasks: bool,
    ) -> Running {
        if stored.target_state == TargetState::Stopped {
            return std::mem::take(current);
        }
        let old_configs = current.template.as_ref().map(|t| t.task_configs.clone());
        if let Some((sandbox, handle)) = current.sandbox.take() {
            self.stop_instance(name, sandbox, handle).await;
        }
        let restart_all = |r: Running| async move {
            self.stop_tasks(name, r.tasks).await;
            self.shared.statuses.remove_tasks(name);
            match self.start_checked(name, stored).await {
                Ok(r) => r,
                Err(e) => {
                    self.shared
                        .set_connector(name, State::Failed, Some(e.to_string()));
                    Running::default()
                }
            }
        };
        let Some(old_configs) = old_configs else {
            return restart_all(std::mem::take(current)).await;
        };
        if with_tasks {
            return restart_all(std::mem::take(current)).await;
        }
        // Only the instance: start it again and compare its task configs.
        let checked = match self.resolve(&stored.config) {
            Ok(entries) => self.check(entries).await,
            Err(e) => Err(e),
        };
        let (config, plugin) = match checked {
            Ok(ok) => ok,
            Err(e) => {
                self.shared
                    .set_connector(name, State::Failed, Some(e.to_string()));
                return std::mem::take(current);
            }
        };
        match self.start_instance(config, plugin, &stored.config).await {
            Ok((sandbox, handle, template)) if template.task_configs == old_configs => {
                let state = match stored.target_state {
                    TargetState::Paused => State::Paused,
                    _ => State::Running,
                };
                self.shared.set_connector(name, state, None);
                tracing::info!(connector = %name, "Restarted connector");
                Running {
                    sandbox: Some((sandbox, handle)),
                    tasks: std::mem::take(&mut current.tasks),
                    template: Some(template),
                }
            }
            Ok((sandbox, handle, _)) => {
                // New task configurations: start over with them.
                self.stop_instance(name, sandbox, handle).await;
                restart_all(std::mem::take(current)).await
            }
            Err(super::worker::StartError::Rejected(problems)) => {
                self.shared
                    .set_connector(name, State::Failed, Some(problems.join("\n")));
                std::mem::take(current)
            }
            Err(super::worker::StartError::Failed(trace)) => {
                self.shared.set_connector(name, State::Failed, Some(trace));
                std::mem::take(current)
            }
        }
    }
}
