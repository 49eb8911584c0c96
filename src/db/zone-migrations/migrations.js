import journal from './meta/_journal.json';
import m0000 from './0000_narrow_slapstick.sql';

  export default {
    journal,
    migrations: {
      m0000
    }
  }
  